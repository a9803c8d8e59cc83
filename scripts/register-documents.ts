import fs from 'node:fs';
import path from 'node:path';
import { loadGatewayConfig } from '../gateway/config.js';
import {
  emptyManifest,
  graphqlFiles,
  manifestOperation,
  mergeManifest,
  readManifest,
} from '../gateway/trusted-documents.js';

// `npm run documents:register -- <folder> [--manifest file]`: adds every .graphql file under the
// folder (one operation each) to the trusted-documents manifest, keyed by the sha256 of its text.
const usage = 'usage: npm run documents:register -- <folder> [--manifest file]';
const args = process.argv.slice(2);
const flag = args.indexOf('--manifest');
const manifestArg = flag >= 0 ? args.splice(flag, 2)[1] : undefined;
const folder = args[0];
if (!folder || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
  console.error(folder ? `${folder} is not a folder\n${usage}` : usage);
  process.exit(2);
}
const manifestFile = path.resolve(
  manifestArg ?? loadGatewayConfig().trustedDocumentsPath ?? 'trusted-documents.json',
);

try {
  const operations = graphqlFiles(folder).map((file) =>
    manifestOperation(path.relative(process.cwd(), file), fs.readFileSync(file, 'utf8')),
  );
  const current = fs.existsSync(manifestFile) ? readManifest(manifestFile) : emptyManifest();
  const { manifest, added } = mergeManifest(current, operations);
  fs.mkdirSync(path.dirname(manifestFile), { recursive: true });
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const operation of operations) console.log(`${operation.id}  ${operation.name}`);
  console.log(
    `${added} added, ${operations.length - added} already registered; ${manifest.operations.length} in ${manifestFile}`,
  );
  console.log(`start the gateway with TRUSTED_DOCUMENTS=${manifestFile} to run only these`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
