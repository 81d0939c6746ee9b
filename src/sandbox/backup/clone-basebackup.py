#!/usr/bin/env python3
# The sandbox's stand-in for Spilo's clone_with_basebackup bootstrap
# (CLONE_METHOD=CLONE_WITH_BASEBACKUP): Patroni runs it with --scope and
# --datadir added, and it copies the running source cluster into the empty
# data directory with pg_basebackup, the WAL streamed alongside, so that the
# copy starts consistent on its own. Standard library only.
import argparse
import os
import subprocess
import sys


def conninfo_value(v):
    # libpq's quoting: single quotes, with backslash before a quote or a backslash
    return "'" + v.replace('\\', '\\\\').replace("'", "\\'") + "'"


def main():
    p = argparse.ArgumentParser(description='clone a running cluster with pg_basebackup')
    p.add_argument('--scope', required=True, help='the new cluster (Patroni adds it)')
    p.add_argument('--datadir', required=True, help='its empty data directory (Patroni adds it)')
    p.add_argument('--pgpass', required=True, help='a pgpass file with the source\'s replication password')
    p.add_argument('--host', required=True)
    p.add_argument('--port', default='5432')
    p.add_argument('--user', required=True)
    p.add_argument('--bindir', required=True, help="PostgreSQL's bin directory")
    a = p.parse_args()
    conn = ' '.join('{}={}'.format(k, conninfo_value(v)) for k, v in (('host', a.host), ('port', a.port), ('user', a.user), ('dbname', 'postgres')))
    print('clone_with_basebackup: {} from host={} port={} user={}'.format(a.scope, a.host, a.port, a.user), flush=True)
    # -c fast: the source's checkpoint at once, as an operator asking for a copy now expects (Spilo's spreads it)
    cmd = [os.path.join(a.bindir, 'pg_basebackup'), '-D', a.datadir, '-X', 'stream', '-c', 'fast', '-w', '-d', conn]
    code = subprocess.call(cmd, env=dict(os.environ, PGPASSFILE=a.pgpass))
    if code != 0:
        print('clone_with_basebackup: pg_basebackup exited with {}'.format(code), file=sys.stderr, flush=True)
    return code


if __name__ == '__main__':
    sys.exit(main())
