import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { migrationsFolder, openDatabase } from '../../subgraphs/kernel/db.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding one migrated PGlite dump per subgraph. */
    pgliteTemplates: string;
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A migrated, empty database of `name`, as a PGlite data-folder dump. */
export async function makeTemplate(name: SubgraphName): Promise<Blob> {
  const database = await openDatabase(name);
  try {
    return await database.dump!();
  } finally {
    await database.close();
  }
}

export function templateFile(folder: string | undefined, name: SubgraphName): string {
  return folder ? path.join(folder, `${name}.tar`) : '';
}

/**
 * The dumps depend on the migrations and on PGlite's version only: they are kept under
 * `node_modules/.cache`, named by a hash of both, and made again when either changes.
 */
function templatesFolder(): string {
  const hash = createHash('sha256');
  const pglite = path.join(root, 'node_modules/@electric-sql/pglite/package.json');
  hash.update(JSON.parse(fs.readFileSync(pglite, 'utf8')).version);
  for (const name of SUBGRAPH_NAMES) {
    const folder = migrationsFolder(name);
    for (const file of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort()) {
      const full = path.join(folder, file);
      if (fs.statSync(full).isFile())
        hash.update(`${name}/${file}\0`).update(fs.readFileSync(full));
    }
  }
  const key = hash.digest('hex').slice(0, 16);
  return path.join(root, 'node_modules/.cache/kechuang-test', `pglite-${key}`);
}

/** Vitest global setup: makes the missing dumps once, before any worker starts. */
export default async function setup(project: TestProject): Promise<void> {
  const folder = templatesFolder();
  fs.mkdirSync(folder, { recursive: true });
  for (const name of SUBGRAPH_NAMES) {
    const file = templateFile(folder, name);
    if (fs.existsSync(file)) continue;
    const dump = Buffer.from(await (await makeTemplate(name)).arrayBuffer());
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, dump);
    fs.renameSync(partial, file);
  }
  project.provide('pgliteTemplates', folder);
}
