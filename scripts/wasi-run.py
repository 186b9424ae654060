#!/usr/bin/env python3
"""Runs a WASI preview 1 program (a `.wasm` core module) under wasmtime,
through its Python package: the cargo runner of `scripts/wasi-test.sh`.

Usage: wasi-run.py PROGRAM.wasm [ARGS...]

The program gets the arguments, the environment and the standard streams,
and no preopened directory or socket. Its exit status is this script's.
"""
import sys

import wasmtime


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: wasi-run.py PROGRAM.wasm [ARGS...]")
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, sys.argv[1])
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    config = wasmtime.WasiConfig()
    config.argv = sys.argv[1:]
    config.inherit_env()
    config.inherit_stdin()
    config.inherit_stdout()
    config.inherit_stderr()
    store.set_wasi(config)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as exit:
        sys.exit(exit.code)


if __name__ == "__main__":
    main()
