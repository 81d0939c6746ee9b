// The kubeconfig reader's own YAML subset: it must read what kubectl, kind and
// the cloud CLIs write exactly as the yaml library does (or hand the text over
// by answering undefined), and it must take the fast path for those files.
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseKubeconfigYaml } from '../../src/services/kube/lite/kubeconfig-yaml.ts';
import { sandboxKubeconfig } from '../../src/sandbox/kubeconfig.ts';
import { seededRandom } from '../helpers/bad-manifests.ts';

const KUBECTL_WRITES = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKY201bGRHVnpNQjRYRFRJek1EUXdNVEUwTlRJME1Gb1hEVE16TURNeU9URTBOVEkwTUZvd0ZURVRNQkVHQTFVRQ==
    server: https://127.0.0.1:6443
    tls-server-name: kubernetes
  name: kind-kind
- cluster:
    insecure-skip-tls-verify: true
    server: http://127.0.0.1:8080/
  name: local
contexts:
- context:
    cluster: kind-kind
    namespace: acid
    user: kind-kind
  name: kind-kind
- context:
    cluster: arn:aws:eks:eu-central-1:123456789012:cluster/prod
    user: arn:aws:eks:eu-central-1:123456789012:cluster/prod
  name: prod
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==
- name: arn:aws:eks:eu-central-1:123456789012:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - eu-central-1
      - eks
      - get-token
      - --cluster-name
      - prod
      - -o
      - json
      command: aws
      env:
      - name: AWS_PROFILE
        value: "prod-admin"
      - name: EMPTY
        value: ''
      interactiveMode: IfAvailable
      provideClusterInfo: false
- name: basic
  user:
    password: 'it''s "quoted"'
    username: admin
- name: nothing
  user: null
`;

const INDENTED_SEQUENCES = `# written by hand
apiVersion: v1
kind: Config
clusters:
  - name: a   
    cluster:
      server: "https://10.0.0.1:443"
      certificate-authority: ../ca.crt
contexts:
  - name: a
    context: { }
  -   name: b
      context:
        cluster: a
current-context: a\r
users: []
`;

describe('the kubeconfig YAML subset', () => {
  it.each([
    ['what kubectl writes (certificates, exec plugins with args and env, quoted values)', KUBECTL_WRITES],
    ['what the sandbox writes', stringify(sandboxKubeconfig('http://127.0.0.1:1234'))],
    ['JSON, which is YAML too', JSON.stringify(sandboxKubeconfig('http://127.0.0.1:1234'), null, 2)],
  ])('reads %s as the yaml library does, without it', (_, text) => {
    const fast = parseKubeconfigYaml(text);
    expect(fast).not.toBeUndefined();
    expect(fast).toEqual(parse(text));
  });

  it('reads hand-written files with comments, CRLF, deeper sequences and trailing blanks as yaml does, or leaves them to it', () => {
    const fast = parseKubeconfigYaml(INDENTED_SEQUENCES);
    if (fast !== undefined) expect(fast).toEqual(parse(INDENTED_SEQUENCES));
    // without the `{ }` flow mapping it is in the subset
    const plain = INDENTED_SEQUENCES.replace('context: { }', 'context: {}');
    expect(parseKubeconfigYaml(plain)).toEqual(parse(plain));
  });

  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a block scalar', 'token: |\n  abc\n  def\n'],
    ['a folded scalar', 'token: >\n  abc\n'],
    ['a multi-line plain scalar', 'token: abc\n  def\n'],
    ['a comment after a value', 'server: https://x # prod\n'],
    ['a tag', 'port: !!str 6443\n'],
    ['a flow mapping with content', 'context: {cluster: a}\n'],
    ['a flow sequence with content', 'args: [a, b]\n'],
    ['a float', 'v: 1.5\n'],
    ['a hex number', 'v: 0x1F\n'],
    ['a negative number', 'v: -3\n'],
    ['.inf', 'v: .inf\n'],
    ['a YAML-only escape', 'v: "\\x41"\n'],
    ['an unterminated quote', 'v: "abc\n'],
    ['a document marker', '---\na: 1\n'],
    ['a tab in the indentation', 'a:\n\tb: 1\n'],
    ['a sequence of sequences', 'a:\n- - 1\n'],
    ['a key that reads as a boolean', 'true: 1\n'],
    ['a merge key', 'a:\n  <<: {}\n'],
    ['a top-level scalar', 'just text\n'],
  ])('leaves %s to the yaml library', (_, text) => {
    expect(parseKubeconfigYaml(text)).toBeUndefined();
  });

  it('agrees with yaml, or defers, on duplicate keys and bad indentation', () => {
    for (const text of ['a: 1\na: 2\n', 'a:\n    b: 1\n  c: 2\n', 'a:\n  - 1\n   - 2\n', 'a: b: c\n']) {
      const fast = parseKubeconfigYaml(text);
      if (fast !== undefined) expect(fast).toEqual(parse(text));
    }
  });

  it('matches yaml on 500 generated kubeconfigs in three layouts, and reads every plain one itself', () => {
    const rnd = seededRandom(10);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    // what kubeconfigs hold, and then what only yaml reads right (quoting, numbers, indicators, escapes)
    const PLAIN = ['kind-kind', 'prod', 'arn:aws:eks:eu-1:1:cluster/x', 'https://10.1.2.3:6443', 'a b', "it's", 'say "hi"', 'x: y', '#not', '-n', '--flag', 'yes', 'True', 'null', '', '12', 'v1', 'LS0t==', 'über', '~', '- a', '../ca.crt', '+1', 'a#b'];
    const ODD = ['1.5', '@home', '%x', '*', '&', '1.2.3.4', '.5', '-.inf', '0o7', '0x1F', '-5', 'a\tb', 'line\nbreak', '\\x41', '|', '>-'];
    const KEYS = ['name', 'server', 'user', 'context', 'args', 'env', 'token', 'a-b', 'x.y/z', 'current-context'];
    const ODD_KEYS = ['a b', 'k: v', '"q"', '1', 'null'];
    const doc = (words: string[], keys: string[]) => {
      // no sequence directly in a sequence (kubeconfigs have none; `- - x` is left to yaml)
      const value = (depth: number, inSequence = false): unknown => {
        const r = rnd();
        if (depth > 3 || r < 0.45) return pick<unknown>([pick(words), pick(words), true, false, null, 0, 42, 6443, {}, []]);
        if (r < 0.75 || inSequence) return Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => [pick(keys), value(depth + 1)]));
        return Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => value(depth + 1, true));
      };
      return { apiVersion: 'v1', kind: 'Config', clusters: [{ name: pick(words), cluster: value(1) }], users: value(0), extra: value(0) };
    };
    const layouts = (d: unknown) => [stringify(d), stringify(d, { indentSeq: false }), stringify(d, { indent: 4 })];
    for (let i = 0; i < 250; i++) {
      for (const text of layouts(doc(PLAIN, KEYS))) expect(parseKubeconfigYaml(text), text).toEqual(parse(text));
      for (const text of layouts(doc([...PLAIN, ...ODD], [...KEYS, ...ODD_KEYS]))) {
        const got = parseKubeconfigYaml(text);
        if (got !== undefined) expect(got, text).toEqual(parse(text));
      }
    }
  });
});
