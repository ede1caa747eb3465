#!/usr/bin/env bash
# Bundle a job's traces from several nodes into one archive that
# ioanalyze reads in place (ioanalyze summary job.tar.zst).
#
#   scripts/bundle-traces.sh -o job-1234.tar.zst [--job 1234] SOURCE...
#
# SOURCE is a .iotr file, a directory (searched for *.iotr), or HOST:PATH
# (a file or directory on another node, fetched with scp -r). Each trace
# goes into the archive as HOST/NAME.iotr, HOST being the node that
# recorded it (its host.name metadata), so equal file names from
# different nodes do not collide. The archive type follows the name:
# .tar.zst (default), .tar.gz, .tar or .zip. The archive is written under
# a temporary name and renamed; an existing OUT is never overwritten.
#
# Options:
#   -o, --output OUT   archive to write (required)
#   --job ID           only traces recorded for job ID (rec.job_id metadata)
#   --ioanalyze PATH   ioanalyze to read metadata with (default: next to this
#                      script in build/bin, then PATH)
#   -h, --help
#
# Examples (Slurm epilog, or by hand after the job):
#   scripts/bundle-traces.sh -o job-$SLURM_JOB_ID.tar.zst --job $SLURM_JOB_ID \
#       $(scontrol show hostnames "$SLURM_JOB_NODELIST" | sed 's|$|:/tmp/iorec|')
#   scripts/bundle-traces.sh -o run.tar.zst node1:/scratch/t/run.iotr node2:/scratch/t/run.iotr
set -euo pipefail
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bundle-traces: $*" >&2; exit "${2:-1}"; }

out= job= ioa=
here=$(cd "$(dirname "$0")" && pwd)
while (($#)); do
	case $1 in
	-o | --output) out=${2:?}; shift 2 ;;
	--job) job=${2:?}; shift 2 ;;
	--ioanalyze) ioa=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" 2 ;;
	*) break ;;
	esac
done
[[ -n $out ]] || die "-o OUT is required (see --help)" 2
(($#)) || die "no SOURCE given (see --help)" 2
[[ -e $out ]] && die "$out exists; not overwriting it"
if [[ -z $ioa ]]; then
	for c in "$here/../build/bin/ioanalyze" "$(command -v ioanalyze || true)"; do
		[[ -n $c && -x $c ]] && { ioa=$c; break; }
	done
fi
[[ -n $ioa && -x $ioa ]] || die "ioanalyze not found (build it, or pass --ioanalyze)"
command -v jq >/dev/null || die "jq is needed to read trace metadata"

stage=$(mktemp -d "${TMPDIR:-/tmp}/bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/fetch" "$stage/tree"

# collect local paths (remote ones are fetched first)
paths=() n=0
for s in "$@"; do
	if [[ $s == *:* && ! -e $s ]]; then
		n=$((n + 1))
		mkdir -p "$stage/fetch/$n"
		scp -q -r "$s" "$stage/fetch/$n/" || die "cannot fetch $s"
		paths+=("$stage/fetch/$n")
	else
		[[ -e $s ]] || die "$s: no such file or directory"
		paths+=("$s")
	fi
done

added=0 skipped=0
while IFS= read -r -d '' f; do
	meta=$("$ioa" info -f json "$f" 2>/dev/null) || { echo "bundle-traces: skipping $f: not a readable trace" >&2; skipped=$((skipped + 1)); continue; }
	host=$(jq -r '.traces[0].meta["host.name"] // "unknown-host"' <<<"$meta")
	tjob=$(jq -r '.traces[0].meta["rec.job_id"] // ""' <<<"$meta")
	if [[ -n $job && $tjob != "$job" ]]; then
		skipped=$((skipped + 1))
		continue
	fi
	name=$(basename "$f")
	dest=$stage/tree/${host//\//_}
	mkdir -p "$dest"
	k=1 base=${name%.iotr}
	while [[ -e $dest/$name ]]; do name=$base.$k.iotr; k=$((k + 1)); done
	cp -- "$f" "$dest/$name"
	added=$((added + 1))
done < <(find "${paths[@]}" -type f -name '*.iotr' -print0 | sort -z)
((added)) || die "no trace to bundle${job:+ for job $job} ($skipped skipped)"

tmp=$(dirname "$out")/.$(basename "$out").tmp.$$
case $out in
*.tar.gz | *.tgz) tar -C "$stage/tree" -czf "$tmp" . ;;
*.zip) (cd "$stage/tree" && zip -qr "$tmp.zip" .) && mv "$tmp.zip" "$tmp" ;;
*.tar) tar -C "$stage/tree" -cf "$tmp" . ;;
*) tar -C "$stage/tree" --zstd -cf "$tmp" . ;;
esac
chmod 0600 "$tmp"
[[ -e $out ]] && { rm -f "$tmp"; die "$out appeared meanwhile; not overwriting it"; }
mv -- "$tmp" "$out"
echo "bundle-traces: $added trace(s) in $out${skipped:+ ($skipped skipped)}"
