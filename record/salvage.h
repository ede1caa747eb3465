/* salvage.h - iorec --salvage: finish a recording that was cut short.
 *
 * An iorec killed with SIGKILL (or the node's OOM killer) leaves its
 * output under the temporary name ".NAME.tmp.PID.XXXXXXXX" beside NAME,
 * and, with the preload source, its spool "$TMPDIR/iorec-spool-PID-*"
 * holding the shards it had not merged yet; one stopped at once (a
 * second ^C) leaves NAME without an index and keeps its spool when it
 * had shards left. iorec_salvage() writes one complete trace from them:
 * the chunks of the cut trace, as they are, then every shard and batch
 * frame of the spool, with an index and a footer.
 */
#ifndef IOREC_SALVAGE_H
#define IOREC_SALVAGE_H

#include "record/options.h"

/* The paths are o->command (o->ncommand of them): trace files and spool
 * directories. Output: o->output, else NAME for ".NAME.tmp.PID.X", else
 * the one trace given, completed in place. Returns the exit status: 0,
 * 1 on an error, 2 on a usage error. */
int iorec_salvage(const struct iorec_options *o);

#endif
