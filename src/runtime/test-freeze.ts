import { readFileSync, unlinkSync } from 'node:fs';
import type { TestFreeze } from '../events/stream-consumer.js';

/**
 * Drills only (`APPHUB_TEST_FREEZE_FILE`): stops this whole process (SIGSTOP, as a frozen VM or a long GC pause
 * would) inside a consumer's write transaction when `file` names this process and the consumer,
 * `<pid> <consumer>`. The file is removed first, so the freeze happens once; a drill sends SIGCONT. Called inside the
 * transaction after the consumer's rows are written and before its checkpoint moves, so the frozen process holds row
 * locks and an open transaction while its lease runs out: the case fencing and the consumer sessions' timeouts exist
 * for.
 */
export function freezeWhenNamed(file: string): TestFreeze {
  const named = (consumer: string): boolean => {
    try {
      return readFileSync(file, 'utf8').trim() === `${process.pid} ${consumer}`;
    } catch {
      return false;
    }
  };
  return {
    armed: named,
    inside: (consumer) => {
      if (!named(consumer)) return;
      unlinkSync(file);
      process.kill(process.pid, 'SIGSTOP');
    },
  };
}
