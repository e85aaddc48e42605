import { readFileSync, unlinkSync } from 'node:fs';

/**
 * Drills only (`APPHUB_TEST_FREEZE_FILE`): a hook for a process manager's write that stops this whole process
 * (SIGSTOP, as a frozen VM or a long GC pause would) when `file` names this process and the manager,
 * `<pid> <manager>`. The file is removed first, so the freeze happens once; a drill sends SIGCONT. Called inside the
 * manager's transaction after its rows are written, so the frozen process holds row locks and an open transaction
 * while its lease runs out: the case fencing and the consumer sessions' timeouts exist for.
 */
export function freezeWhenNamed(file: string): (manager: string) => void {
  return (manager) => {
    let wanted: string;
    try {
      wanted = readFileSync(file, 'utf8').trim();
    } catch {
      return;
    }
    if (wanted !== `${process.pid} ${manager}`) return;
    unlinkSync(file);
    process.kill(process.pid, 'SIGSTOP');
  };
}
