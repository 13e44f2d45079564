/**
 * The small shell program every job runs under (local processes and Slurm batch scripts):
 * it notes its pid, runs the program, puts it in the job's memory cgroup, passes a SIGTERM on and
 * records the exit code in `exit_code` (written atomically), so the service learns how a job
 * ended even when it was not running at that moment.
 */
import * as fs from 'fs';
import * as path from 'path';

const WRAPPER = `#!/bin/sh
# Written by Atelier. Usage: run.sh JOB_DIR PROGRAM [ARGS...]
dir=$1
shift
echo $$ > "$dir/pid"
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi' TERM INT
"$@" < /dev/null &
child=$!
# Joining a cgroup waits for the kernel (about 10 ms on cgroup v1): the program starts first
# and joins while the interpreter loads; what it runs later, it runs inside the limit.
if [ -n "$ATELIER_CGROUP" ]; then
  { echo "$child" > "$ATELIER_CGROUP/cgroup.procs" && echo $$ > "$ATELIER_CGROUP/cgroup.procs"; } 2>/dev/null ||
    echo "atelier: could not apply the memory limit" >&2
fi
wait "$child"
code=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  code=$?
done
echo "$code" > "$dir/exit_code.tmp" && mv -f "$dir/exit_code.tmp" "$dir/exit_code"
exit "$code"
`;

/** Writes the wrapper into the job's folder; returns its path. */
export function writeWrapper(jobDir: string): string {
  const file = path.join(jobDir, 'run.sh');
  fs.writeFileSync(file, WRAPPER, { mode: 0o755 });
  return file;
}

/** A number the wrapper wrote into the job's folder, or null when it has not (yet). */
function readNumber(jobDir: string, name: string): number | null {
  try {
    const text = fs.readFileSync(path.join(jobDir, name), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** The exit code the wrapper recorded, or null when it has not (yet). */
export function readExitCode(jobDir: string): number | null {
  return readNumber(jobDir, 'exit_code');
}

/** The wrapper's pid, once it has started. */
export function readWrapperPid(jobDir: string): number | null {
  return readNumber(jobDir, 'pid');
}
