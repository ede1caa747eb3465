/* summary_ext.c - the summary's extensions (see summary.h). One line
 * each. */
#include "summary.h"

const summary_ext_factory summary_ext_factories[] = {
	NULL,
};
