import { HOSTILE_TABLES } from "./gen-catalog.js";
import { dependencies, fastField, recordOf, timestampMicros } from "./generate.js";
import { formatMicros, hash4, IdCodec, prng } from "./ids.js";
import type { JsonObject, JsonValue } from "./json.js";
import {
  CATALOG_KINDS,
  type Counts,
  countsFor,
  isCatalogKind,
  KINDS,
  type Kind,
  kindIndex,
} from "./kinds.js";
import { WORKSPACE_ID_SPACE } from "./layout.js";
import { type Ref, refOf, unref } from "./refs.js";
import type { Added, Revision, World } from "./world.js";

const ID_CACHE = 100_000;

export interface DatasetOptions {
  readonly seed: number;
  readonly scale: number;
  /** The fake clock at start, microseconds since the epoch. */
  readonly startMicros: number;
}

/** A change to the data. `kind: "catalog"` picks among all catalog kinds by size. */
export type Mutation =
  | { readonly op: "update" | "delete"; readonly kind: Kind | "catalog"; readonly count: number }
  | { readonly op: "update" | "delete"; readonly kind: Kind | "catalog"; readonly share: number }
  | { readonly op: "update" | "delete"; readonly ids: readonly string[] }
  | { readonly op: "add"; readonly kind: Kind; readonly count: number };

export interface MutationResult {
  readonly op: Mutation["op"];
  /** Ids changed, added or deleted, in the order they were picked. */
  readonly ids: readonly string[];
  /** The fake clock used for the new `updated_at` / `created_at`. */
  readonly now: string;
}

/** Thrown for a mutation that names something that does not exist. */
export class MutationError extends Error {}

interface Overlay {
  readonly deleted: Set<number>;
  readonly revisions: Map<number, Revision>;
  readonly added: Added[];
}

/** Seeded lazy data plus an overlay of mutations. Implements the generators' World view. */
export class Dataset implements World {
  readonly seed: number;
  readonly scale: number;
  readonly counts: Counts;
  readonly initialNow: number;
  readonly workspaceId: string;
  readonly #codec: IdCodec;
  readonly #overlays = new Map<Kind, Overlay>();
  /** Encoding an id costs ~1 µs and records repeat ids (owners, tags, parents): keep recent ones. */
  readonly #ids: Map<number, string>[] = KINDS.map(() => new Map());
  #now: number;
  #version = 0;
  #mutations = 0;
  #hasDeletes = false;

  constructor(options: DatasetOptions) {
    this.seed = options.seed;
    this.scale = options.scale;
    this.counts = countsFor(options.scale);
    this.initialNow = options.startMicros;
    this.#now = options.startMicros;
    this.#codec = new IdCodec(options.seed);
    this.workspaceId = this.#codec.encode(WORKSPACE_ID_SPACE, 0);
    for (const kind of KINDS)
      this.#overlays.set(kind, { deleted: new Set(), revisions: new Map(), added: [] });
  }

  /** Bumped by every mutation and clock change; query caches key on it. */
  get version(): number {
    return this.#version;
  }

  now(): number {
    return this.#now;
  }

  advanceClock(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new MutationError("seconds must be >= 0");
    this.#now += Math.round(seconds * 1_000_000);
    this.#version += 1;
  }

  id(kind: Kind, k: number): string {
    const index = kindIndex(kind);
    const cache = this.#ids[index];
    let id = cache?.get(k);
    if (id === undefined) {
      id = this.#codec.encode(index, k);
      if (cache !== undefined && cache.size >= ID_CACHE) cache.clear();
      cache?.set(k, id);
    }
    return id;
  }

  spaceId(space: number, k: number): string {
    return this.#codec.encode(space, k);
  }

  size(kind: Kind): number {
    return this.counts[kind] + this.#overlay(kind).added.length;
  }

  isLive(kind: Kind, k: number): boolean {
    if (k < 0 || k >= this.size(kind)) return false;
    if (!this.#hasDeletes) return true;
    if (this.#overlay(kind).deleted.has(k)) return false;
    return dependencies(this, kind, k).every((ref) => {
      const dep = unref(ref);
      return this.isLive(dep.kind, dep.k);
    });
  }

  revision(kind: Kind, k: number): Revision | undefined {
    return this.#overlay(kind).revisions.get(k);
  }

  added(kind: Kind, k: number): Added | undefined {
    return this.#overlay(kind).added[k - this.counts[kind]];
  }

  record(kind: Kind, k: number): JsonObject {
    return recordOf(this, kind, k);
  }

  recordByRef(ref: Ref): JsonObject {
    const { kind, k } = unref(ref);
    return recordOf(this, kind, k);
  }

  /** One field, without building the record when the generator can compute it alone. */
  field(kind: Kind, k: number, field: string): JsonValue {
    return fastField(this, kind, k, field) ?? recordOf(this, kind, k)[field] ?? null;
  }

  /** A sort key: timestamps as microseconds (numbers compare faster than strings), else the field. */
  sortKey(kind: Kind, k: number, field: string): JsonValue {
    const micros = timestampMicros(this, kind, k, field);
    return micros ?? this.field(kind, k, field);
  }

  /** The live record an id names, or undefined (unknown, foreign or deleted id). */
  find(id: string): { readonly kind: Kind; readonly k: number } | undefined {
    const decoded = this.#codec.decode(id);
    const kind = decoded === undefined ? undefined : KINDS[decoded.kindIndex];
    if (decoded === undefined || kind === undefined) return undefined;
    return this.isLive(kind, decoded.index) ? { kind, k: decoded.index } : undefined;
  }

  /** Applies a mutation deterministically: mutation n picks records with PRNG(seed, n). */
  mutate(mutation: Mutation): MutationResult {
    this.#mutations += 1;
    const random = prng(hash4(this.seed, this.#mutations, 0x6d757461, 0));
    const refs =
      mutation.op === "add"
        ? this.#add(mutation.kind, mutation.count)
        : this.#targets(mutation, random);
    if (mutation.op !== "add") for (const ref of refs) this.#change(mutation.op, ref);
    this.#version += 1;
    return {
      op: mutation.op,
      ids: refs.map((ref) => this.#idOf(ref)),
      now: formatMicros(this.#now),
    };
  }

  /** Counts and well-known ids, for tests and the README demo. */
  info(): JsonObject {
    const kinds: JsonObject = {};
    for (const kind of KINDS) {
      const overlay = this.#overlay(kind);
      kinds[kind] = {
        base: this.counts[kind],
        added: overlay.added.length,
        deleted: overlay.deleted.size,
        updated: overlay.revisions.size,
      };
    }
    const table = (k: number) => this.id("table", k);
    return {
      seed: this.seed,
      scale: this.scale,
      now: formatMicros(this.#now),
      version: this.#version,
      workspace_id: this.workspaceId,
      kinds,
      special: {
        admin_user_id: this.id("user", 0),
        api_user_id: this.id("user", 1),
        quotes_description_table_id: table(HOSTILE_TABLES.quotes),
        emoji_description_table_id: table(HOSTILE_TABLES.emoji),
        nul_description_table_id: table(HOSTILE_TABLES.nul),
      },
    };
  }

  #overlay(kind: Kind): Overlay {
    const overlay = this.#overlays.get(kind);
    if (overlay === undefined) throw new RangeError(`unknown kind ${kind}`);
    return overlay;
  }

  #idOf(ref: Ref): string {
    const { kind, k } = unref(ref);
    return this.id(kind, k);
  }

  #add(kind: Kind, count: number): Ref[] {
    const refs: Ref[] = [];
    for (let i = 0; i < count; i += 1) {
      const k = this.size(kind);
      this.#overlay(kind).added.push({ at: this.#now });
      refs.push(refOf(kind, k));
      this.#audit(kind, k, "resource_created");
    }
    return refs;
  }

  #change(op: "update" | "delete", ref: Ref): void {
    const { kind, k } = unref(ref);
    const overlay = this.#overlay(kind);
    if (op === "delete") {
      overlay.deleted.add(k);
      this.#hasDeletes = true;
      this.#audit(kind, k, "resource_deleted");
      return;
    }
    overlay.revisions.set(k, { rev: (overlay.revisions.get(k)?.rev ?? 0) + 1, at: this.#now });
    this.#audit(kind, k, "resource_updated");
  }

  /** Changes to catalog records are written to the audit log, like the real workspace does. */
  #audit(kind: Kind, k: number, activity: string): void {
    if (!isCatalogKind(kind)) return;
    this.#overlay("audit_log").added.push({ at: this.#now, resource: refOf(kind, k), activity });
  }

  #targets(mutation: Exclude<Mutation, { op: "add" }>, random: () => number): Ref[] {
    if ("ids" in mutation) return mutation.ids.map((id) => this.#refOfId(id));
    const kinds: readonly Kind[] = mutation.kind === "catalog" ? CATALOG_KINDS : [mutation.kind];
    const total = kinds.reduce((sum, kind) => sum + this.size(kind), 0);
    const wanted = "count" in mutation ? mutation.count : Math.round(total * mutation.share);
    return this.#pick(kinds, total, Math.min(wanted, total), random);
  }

  #refOfId(id: string): Ref {
    const found = this.find(id);
    if (found === undefined) throw new MutationError(`no live record has id ${id}`);
    return refOf(found.kind, found.k);
  }

  /** `wanted` distinct live records, drawn uniformly over the kinds' index ranges. */
  #pick(kinds: readonly Kind[], total: number, wanted: number, random: () => number): Ref[] {
    const picked = new Set<Ref>();
    for (let attempt = 0; picked.size < wanted && attempt < wanted * 20 + 100; attempt += 1) {
      let position = Math.floor(random() * total);
      for (const kind of kinds) {
        const size = this.size(kind);
        if (position < size) {
          if (this.isLive(kind, position)) picked.add(refOf(kind, position));
          break;
        }
        position -= size;
      }
    }
    return [...picked];
  }
}
