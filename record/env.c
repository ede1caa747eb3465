/* env.c - environment builder: a growable "NAME=value" array. */
#include "record/env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iorec_env {
	char **vars; /* NULL-terminated */
	size_t n, cap;
};

static int env_find(const struct iorec_env *env, const char *name, size_t *idx)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->vars[i], name, len) == 0 && env->vars[i][len] == '=') {
			*idx = i;
			return 1;
		}
	}
	return 0;
}

static int env_push(struct iorec_env *env, char *var)
{
	if (env->n + 2 > env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 64;
		char **nv = realloc(env->vars, cap * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		env->vars = nv;
		env->cap = cap;
	}
	env->vars[env->n++] = var;
	env->vars[env->n] = NULL;
	return 0;
}

struct iorec_env *iorec_env_new(char *const *base)
{
	struct iorec_env *env = calloc(1, sizeof *env);
	if (!env)
		return NULL;
	if (env_push(env, NULL) < 0) /* make vars non-NULL */
		goto fail;
	env->n = 0;
	for (size_t i = 0; base && base[i]; i++) {
		char *dup = strdup(base[i]);
		if (!dup || env_push(env, dup) < 0) {
			free(dup);
			goto fail;
		}
	}
	return env;
fail:
	iorec_env_free(env);
	return NULL;
}

int iorec_env_set(struct iorec_env *env, const char *name, const char *value)
{
	size_t idx;
	char *var;
	if (!name || !*name || strchr(name, '=') || !value)
		return -EINVAL;
	if (asprintf(&var, "%s=%s", name, value) < 0)
		return -ENOMEM;
	if (env_find(env, name, &idx)) {
		free(env->vars[idx]);
		env->vars[idx] = var;
		return 0;
	}
	if (env_push(env, var) < 0) {
		free(var);
		return -ENOMEM;
	}
	return 0;
}

const char *iorec_env_get(const struct iorec_env *env, const char *name)
{
	size_t idx;
	if (!env_find(env, name, &idx))
		return NULL;
	return env->vars[idx] + strlen(name) + 1;
}

int iorec_env_unset(struct iorec_env *env, const char *name)
{
	size_t idx;
	if (!env_find(env, name, &idx))
		return 0;
	free(env->vars[idx]);
	memmove(&env->vars[idx], &env->vars[idx + 1], (env->n - idx) * sizeof env->vars[0]);
	env->n--;
	return 0;
}

char *const *iorec_env_array(const struct iorec_env *env)
{
	return env->vars;
}

void iorec_env_free(struct iorec_env *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->n; i++)
		free(env->vars[i]);
	free(env->vars);
	free(env);
}
