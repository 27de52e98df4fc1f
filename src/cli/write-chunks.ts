/**
 * Writes a streamed file (an export's chunks) to standard output or to a file, waiting for the
 * stream to drain so a 100,000-row export never piles up in memory. A file that could not be
 * written completely is removed, so nobody mistakes half an export for the whole.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { CliError } from './errors.ts';

async function pump(stream: Writable, chunks: AsyncIterable<string>): Promise<void> {
  let failure: Error | null = null;
  const onError = (error: Error) => {
    failure = error;
  };
  stream.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (failure) throw failure;
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
    }
    if (failure) throw failure;
  } finally {
    stream.off('error', onError);
  }
}

export async function writeChunks(target: Writable | string, chunks: AsyncIterable<string>): Promise<void> {
  if (typeof target !== 'string') return pump(target, chunks);
  let file: fs.WriteStream;
  try {
    file = fs.createWriteStream(target, { flags: 'w' });
    await once(file, 'open');
  } catch (error) {
    throw new CliError(`Cannot write ${target}: ${(error as Error).message}`);
  }
  try {
    await pump(file, chunks);
    file.end();
    await once(file, 'finish');
  } catch (error) {
    file.destroy();
    fs.rmSync(target, { force: true });
    throw error instanceof CliError ? error : new CliError(`Writing ${target} failed: ${(error as Error).message}`);
  }
}
