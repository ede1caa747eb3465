/* env.h - the environment COMMAND runs with (struct iorec_env). */
#ifndef IOREC_ENV_H
#define IOREC_ENV_H

#include "record/source.h"

/* A copy of base (a NULL-terminated "NAME=value" array, e.g. environ).
 * Returns NULL when out of memory. */
struct iorec_env *iorec_env_new(char *const *base);
/* The NULL-terminated array for execve(); owned by env. */
char *const *iorec_env_array(const struct iorec_env *env);
/* Remove NAME; 0 whether or not it was set. */
int iorec_env_unset(struct iorec_env *env, const char *name);
void iorec_env_free(struct iorec_env *env);

#endif
