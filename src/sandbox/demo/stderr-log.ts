// While the console holds the screen, the sandbox's own complaints (a base
// backup that failed, a pod the kubelet could not restart) would be written
// across its frame. They go to a log file in the data directory instead, and
// the demo says where once the console is gone.
import { appendFileSync } from 'node:fs';

export interface DivertedStderr {
  /** puts process.stderr back; returns how many writes went to the file */
  restore(): number;
}

export function divertStderr(file: string): DivertedStderr {
  const original = process.stderr.write;
  let count = 0;
  const write = (chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), done?: (e?: Error | null) => void): boolean => {
    const callback = typeof encoding === 'function' ? encoding : done;
    try {
      appendFileSync(file, typeof chunk === 'string' ? `${new Date().toISOString()} ${chunk}` : chunk);
      count++;
    } catch {
      // a full disk must not take the demo down: the message is lost, the screen stays whole
    }
    callback?.();
    return true;
  };
  process.stderr.write = write as typeof process.stderr.write;
  return {
    restore() {
      process.stderr.write = original;
      return count;
    },
  };
}
