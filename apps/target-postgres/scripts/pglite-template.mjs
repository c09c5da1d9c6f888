// Build step: an initialised, empty PGlite cluster as a gzip'd tarball (dist/pglite-template.tgz),
// made with the PGlite version the target runs. A new embedded folder is created from it
// (PGlite's loadDataDir) instead of running initdb in the target's process: initdb is what took
// a new folder's run to ~900 MB of peak RSS and several seconds (decisions-target.md "Embedded
// memory"). Without the file (e.g. run from source), the target runs initdb as before.
import { writeFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";

const out = new URL("../dist/pglite-template.tgz", import.meta.url);
const db = await PGlite.create();
const dump = await db.dumpDataDir("gzip");
await db.close();
writeFileSync(out, Buffer.from(await dump.arrayBuffer()));
