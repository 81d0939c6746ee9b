// The operator configuration, watched live (Zalando reads it once at start):
// the `postgres-operator` ConfigMap or an OperatorConfiguration object. A bad
// value is logged and reported as an event on the configuration object; the
// last good configuration stays in force.
import * as k8s from '@kubernetes/client-node';
import type { OperatorConfig } from '../config/keys.ts';
import { defaultConfig, parseConfigMapData, parseOperatorConfiguration, type ParsedConfig } from '../config/parse.ts';
import { errorText } from '../../services/kube/config.ts';
import { ResilientInformer } from '../../services/kube/informer.ts';
import type { EventRecorder } from '../../services/kube/events.ts';
import type { Logger } from '../../services/log.ts';
import { collectionPath } from './kinds.ts';

export interface ConfigSourceOptions {
  namespace: string;
  configMapName?: string;
  operatorConfigurationName?: string;
  log: Logger;
  events?: EventRecorder;
  /** a new good configuration (not called for the initial one) */
  onChange: (config: OperatorConfig) => void;
}

export class ConfigSource {
  private current: OperatorConfig = defaultConfig();
  private informer?: ResilientInformer<k8s.KubernetesObject>;
  private lastText = '';
  private readonly o: ConfigSourceOptions;
  private started = false;

  constructor(kc: k8s.KubeConfig, opts: ConfigSourceOptions) {
    this.o = opts;
    const crd = !opts.configMapName && opts.operatorConfigurationName;
    const name = opts.configMapName ?? opts.operatorConfigurationName;
    if (!name) return;
    const kind = crd ? { apiVersion: 'acid.zalan.do/v1', plural: 'operatorconfigurations', kind: 'OperatorConfiguration' } : { apiVersion: 'v1', plural: 'configmaps', kind: 'ConfigMap' };
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const fieldSelector = `metadata.name=${name}`;
    this.informer = new ResilientInformer(kc, {
      path: collectionPath(kind, opts.namespace),
      fieldSelector,
      list: () => objects.list(kind.apiVersion, kind.kind, opts.namespace, undefined, undefined, undefined, fieldSelector),
      onError: (err, path, retryMs) =>
        opts.log.warn(`configuration watch failed; retrying in ${retryMs} ms`, { server: kc.getCurrentCluster()?.server, path, error: errorText(err) }),
    });
    const read = (obj: k8s.KubernetesObject) => this.accept(obj, crd ? parseOperatorConfiguration(obj) : parseConfigMapData((obj as { data?: Record<string, string> }).data), kind.kind);
    this.informer.on('add', read).on('update', read).on('delete', () => opts.log.warn(`${kind.kind} ${opts.namespace}/${name} was deleted; the last good configuration stays in force`));
  }

  get config(): OperatorConfig {
    return this.current;
  }

  /** resolves with the configuration in force once the source has been read */
  async start(): Promise<OperatorConfig> {
    if (this.informer) {
      await this.informer.start();
      await this.informer.synced;
      const name = this.o.configMapName ?? this.o.operatorConfigurationName;
      if (this.lastText === '') this.o.log.warn(`configuration ${this.o.namespace}/${name} not found; using defaults until it appears`);
    }
    this.started = true;
    return this.current;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  private accept(obj: k8s.KubernetesObject, parsed: ParsedConfig, kind: string): void {
    const text = JSON.stringify(parsed.config);
    const where = `${kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`;
    if (parsed.unknown.length > 0) this.o.log.warn(`${where}: unknown keys ignored`, { keys: parsed.unknown });
    if (parsed.problems.length > 0) {
      const message = `invalid configuration, the last good one stays in force: ${parsed.problems.map((p) => p.message).join('; ')}`;
      this.o.log.error(`${where}: ${message}`);
      void this.o.events?.record(
        { apiVersion: obj.apiVersion ?? 'v1', kind, name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace ?? this.o.namespace, uid: obj.metadata?.uid },
        'Warning',
        'InvalidConfiguration',
        message,
      );
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    this.current = parsed.config;
    this.o.log.info(`configuration loaded from ${where}`, { resourceVersion: obj.metadata?.resourceVersion });
    if (this.started) this.o.onChange(parsed.config);
  }
}
