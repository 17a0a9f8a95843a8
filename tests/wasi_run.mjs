// tests/wasi_run.mjs - runs a wasm32-wasi program under node's WASI (node 20+): node tests/wasi_run.mjs prog.wasm args...
// The current directory and its parent are preopened: give it paths relative to the current directory.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';
const wasi = new WASI({ version: 'preview1', args: argv.slice(2), env,
                        preopens: { '.': '.', '..': '..' }, returnOnExit: true });
const wasm = await WebAssembly.compile(await readFile(argv[2]));
const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
exit(wasi.start(instance));
