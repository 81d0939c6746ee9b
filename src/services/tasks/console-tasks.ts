// Runs the console's tasks: guard rails first (a refusal is a record and a red
// status line), then the steps into the store, where the task pane reads them;
// the result goes to the status line. Also the psql hand-over's exec session.
import type * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';
import { memberTransports } from '../patroni/transports.ts';
import { prepareTask, type TaskRequest } from './prepare.ts';
import { refusedTask, runTask } from './runner.ts';
import { runShell } from './shell.ts';

export interface ConsoleTasks {
  run(request: TaskRequest, namespace: string): Promise<void>;
  shell(namespace: string, pod: string, command: string[]): Promise<number>;
}

export function consoleTasks(store: ZpgStore, kc: k8s.KubeConfig): ConsoleTasks {
  const transportFor = memberTransports(kc);
  return {
    async run(request, namespace) {
      const say = store.getState().say;
      try {
        const { plan } = await prepareTask({ kc, namespace, transportFor }, request);
        const t = await runTask(plan, (r) => store.getState().setTask(r));
        say(t.state === 'done' ? 'info' : 'error', t.result ?? t.state);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        store.getState().setTask(refusedTask({ kind: request.kind, cluster: `${namespace}/${request.cluster}`, title: `${request.kind} ${request.cluster}` }, why));
        say('error', `${request.kind} refused: ${why}`);
      }
    },
    shell: (namespace, pod, command) => {
      // The console has left its own screen: psql starts on a clear one, not below what the shell showed before zpg.
      if (process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
      return runShell(kc, namespace, pod, command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    },
  };
}
