/**
 * The target conformance streams: the project's own inputs for every behaviour the Meltano SDK's
 * standard target test streams pin down (one case per SDK file, named in `mirrors`), with the
 * exact outcome a correct target reaches. Declarative data; `check.ts` runs a case against a
 * target through an adapter.
 */
import { type Line, ndjson, recordOf, schemaOf, stateOf } from "./messages.js";

export type Row = Record<string, unknown>;

/** A stream's expected content after a run: the rows a keyed, upserting target holds. */
export interface ExpectedTable {
  readonly rows: readonly Row[];
}

export type RunExpectation =
  | {
      readonly outcome: "load";
      /** Final content per stream name (as the tap calls it), checked after this run. */
      readonly tables: Readonly<Record<string, ExpectedTable>>;
    }
  | {
      readonly outcome: "fail";
      /** Words the error on stderr must contain (the stream, the field, the problem). */
      readonly mentions: readonly string[];
      /** Streams that must hold these rows afterwards (nothing of the failing run committed). */
      readonly tables: Readonly<Record<string, ExpectedTable>>;
    };

export interface CaseRun {
  readonly input: string;
  /** Target settings for this run (beyond the adapter's connection settings). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly expect: RunExpectation;
}

export interface TargetCase {
  readonly name: string;
  /** The Meltano SDK target test stream whose behaviour this case covers. */
  readonly mirrors: string;
  readonly about: string;
  /** Runs against one fresh destination, in order. */
  readonly runs: readonly CaseRun[];
}

const load = (input: readonly Line[], tables: Record<string, readonly Row[]>): CaseRun => ({
  input: ndjson(input),
  expect: { outcome: "load", tables: tablesOf(tables) },
});

const fail = (
  input: readonly Line[],
  mentions: readonly string[],
  tables: Record<string, readonly Row[]> = {},
  settings?: Record<string, unknown>,
): CaseRun => ({
  input: ndjson(input),
  ...(settings === undefined ? {} : { settings }),
  expect: { outcome: "fail", mentions, tables: tablesOf(tables) },
});

function tablesOf(tables: Record<string, readonly Row[]>): Record<string, ExpectedTable> {
  return Object.fromEntries(Object.entries(tables).map(([stream, rows]) => [stream, { rows }]));
}

const int = { type: "integer" };
const str = { type: "string" };
const optStr = { type: ["null", "string"] };

// --- playlists: arrays of strings ------------------------------------------------------------
const playlistRows = [
  { id: 1, songs: ["Blue Train", "Moment's Notice", "Locomotion"] },
  { id: 2, songs: ["So What", "Freddie Freeloader"] },
  { id: 3, songs: ["Naima"] },
  { id: 4, songs: ["Take Five", "Blue Rondo", "Strange Meadow Lark", "Kathy's Waltz"] },
];
const playlists: Line[] = [
  schemaOf("playlists", { id: int, songs: { type: "array", items: str } }, ["id"], {
    required: ["id"],
  }),
  ...playlistRows.map((row) => recordOf("playlists", row)),
  stateOf({ playlists: 4 }),
];

// --- PlantSpecies: camelCase stream and property names, no STATE ------------------------------
const plantSpecies: Line[] = [
  schemaOf("PlantSpecies", { Id: str, commonName: str }, ["Id"]),
  recordOf("PlantSpecies", { Id: "q-robur", commonName: "English oak" }),
  recordOf("PlantSpecies", { Id: "f-sylvatica", commonName: "European beech" }),
];

// --- ShelfLayout: schema only, a second SCHEMA adds columns -----------------------------------
const dateTimeOrText = {
  anyOf: [{ type: "string", format: "date-time" }, { type: ["string", "null"] }],
};
const shelfProperties = {
  Id: str,
  IsArchived: { type: ["null", "boolean"] },
  InstalledAt: dateTimeOrText,
  InstalledById: optStr,
  InspectedAt: dateTimeOrText,
  InspectedById: optStr,
  RowVersionStamp: dateTimeOrText,
  AisleCode: optStr,
  BinCategory: optStr,
  SortPosition: { type: ["null", "integer"] },
  IsMovable: { type: ["null", "boolean"] },
  IsStackable: { type: ["null", "boolean"] },
};
const shelfLayout: Line[] = [
  schemaOf("ShelfLayout", shelfProperties, ["Id"], { additionalProperties: false }),
  schemaOf(
    "ShelfLayout",
    {
      ...shelfProperties,
      capacity: int,
      LastAuditNote: str,
      _underscore_first: str,
    },
    ["Id"],
    { additionalProperties: false },
  ),
];

// --- sensor_readings: repeated keys inside one batch, last write wins -------------------------
const sensorReadings: Line[] = [
  schemaOf("sensor_readings", { id: int, celsius: int }, ["id"], { required: ["id"] }),
  recordOf("sensor_readings", { id: 1, celsius: 17 }),
  recordOf("sensor_readings", { id: 2, celsius: 21 }),
  recordOf("sensor_readings", { id: 1, celsius: 18 }),
  recordOf("sensor_readings", { id: 2, celsius: 23 }),
  recordOf("sensor_readings", { id: 1, celsius: 19 }),
  stateOf({ sensor_readings: 5 }),
];

// --- phrases: text byte-exact (scripts, quotes, escapes), literal \u0000 text, a real NUL ------
// Lines are written by hand: the escapes (\u0063, \/) are what a tap may send.
const phraseTexts: readonly string[] = [
  "plain words 4711",
  "ένα απλό κείμενο",
  "一段简单的文字",
  "une phrase accentuée",
  'with "double" quotes',
  'all the escapes " \\ / \n \t in one',
  "c",
  "ā",
  "ƙ",
  "Escaped on purpose: \\u0000 \\u0042 \\u0002",
  "A real control character: \u0000 B \u0002",
];
const phraseLines: readonly string[] = [
  '"plain words 4711"',
  '"ένα απλό κείμενο"',
  '"一段简单的文字"',
  '"une phrase accentuée"',
  '"with \\"double\\" quotes"',
  '"all the escapes \\" \\\\ \\/ \\n \\t in one"',
  '"\\u0063"',
  '"\\u0101"',
  '"\\u0199"',
  '"Escaped on purpose: \\\\u0000 \\\\u0042 \\\\u0002"',
  '"A real control character: \\u0000 \\u0042 \\u0002"',
];
const phraseNames = [
  "plain",
  "greek",
  "chinese",
  "french",
  "quotes",
  "escapes",
  "u1",
  "u2",
  "u3",
  "literal",
  "control",
];
const phrases: Line[] = [
  schemaOf("phrases", { id: int, text: str }, ["id"], { required: ["id", "text"] }),
  ...phraseLines.map(
    (text, i) => `{"type":"RECORD","stream":"phrases","record":{"id":${i + 1},"text":${text}}}`,
  ),
  schemaOf(
    "phrases_in_objects",
    {
      id: int,
      text: { type: "object", required: ["label"], properties: { label: str, body: str } },
    },
    ["id"],
    { required: ["id", "text"] },
  ),
  ...phraseLines.map(
    (text, i) =>
      `{"type":"RECORD","stream":"phrases_in_objects","record":{"id":${i + 1},"text":{"label":"${phraseNames[i]}","body":${text}}}}`,
  ),
  schemaOf("phrases_in_arrays", { id: int, texts: { type: "array", items: str } }, ["id"], {
    required: ["id", "texts"],
  }),
  ...[[0, 1], [2, 3], [4, 5], [6, 7, 8], [9], [10]].map(
    (picks, i) =>
      `{"type":"RECORD","stream":"phrases_in_arrays","record":{"id":${i + 1},"texts":[${picks.map((p) => phraseLines[p]).join(",")}]}}`,
  ),
  stateOf({ phrases: 11, phrases_in_objects: 11, phrases_in_arrays: 6 }),
];
const phraseRows = {
  phrases: phraseTexts.map((text, i) => ({ id: i + 1, text })),
  phrases_in_objects: phraseTexts.map((body, i) => ({
    id: i + 1,
    text: { label: phraseNames[i], body },
  })),
  phrases_in_arrays: [[0, 1], [2, 3], [4, 5], [6, 7, 8], [9], [10]].map((picks, i) => ({
    id: i + 1,
    texts: picks.map((p) => phraseTexts[p]),
  })),
};

// --- orders_a / orders_b: five STATEs interleaved, a record after the last one ----------------
const orderStates = [
  { orders_a: 1, orders_b: 0 },
  { orders_a: 2, orders_b: 1 },
  { orders_a: 3, orders_b: 2 },
  { orders_a: 5, orders_b: 3 },
  { orders_a: 5, orders_b: 6 },
];
const orderLine = (stream: string, id: number) => recordOf(stream, { id, amount: id * 25 });
const orders: Line[] = [
  schemaOf("orders_a", { id: int, amount: int }, ["id"], { required: ["id"] }),
  schemaOf("orders_b", { id: int, amount: int }, ["id"], { required: ["id"] }),
  orderLine("orders_a", 1),
  stateOf(orderStates[0]),
  orderLine("orders_a", 2),
  orderLine("orders_b", 1),
  stateOf(orderStates[1]),
  orderLine("orders_a", 3),
  orderLine("orders_b", 2),
  stateOf(orderStates[2]),
  orderLine("orders_a", 4),
  orderLine("orders_a", 5),
  orderLine("orders_b", 3),
  stateOf(orderStates[3]),
  orderLine("orders_b", 4),
  orderLine("orders_b", 5),
  orderLine("orders_b", 6),
  stateOf(orderStates[4]),
  orderLine("orders_a", 6),
];
const orderRows = (ids: number) =>
  Array.from({ length: ids }, (_, i) => ({ id: i + 1, amount: (i + 1) * 25 }));

// --- page_views: no key properties, every run appends -----------------------------------------
const pageViewSchema = schemaOf("page_views", { id: int, ms: int }, []);
const pageViews = (ids: readonly number[]) => [
  pageViewSchema,
  ...ids.map((id) => recordOf("page_views", { id, ms: id * 7 })),
  stateOf({ page_views: ids.length }),
];
const viewRows = (ids: readonly number[]) => ids.map((id) => ({ id, ms: id * 7 }));
const firstViews = [1, 2, 3];
const moreViews = [4, 5, 6, 7, 8];

// --- contacts: optional properties missing or null --------------------------------------------
const contacts: Line[] = [
  schemaOf("contacts", { id: int, nickname: optStr }, ["id"], { required: ["id"] }),
  recordOf("contacts", { id: 1, nickname: "Ace" }),
  recordOf("contacts", { id: 2 }),
  recordOf("contacts", { id: 3, nickname: "Bee" }),
  recordOf("contacts", { id: 4, nickname: null }),
  stateOf({ contacts: 4 }),
];

// --- members: key_properties misplaced inside the schema, then "changed" ----------------------
const memberProps = { id: int, name: str, email: str };
const members: Line[] = [
  {
    type: "SCHEMA",
    stream: "members",
    schema: { properties: memberProps, key_properties: ["id"] },
  },
  recordOf("members", { id: 1, name: "Noor", email: "noor@example.org" }),
  {
    type: "SCHEMA",
    stream: "members",
    schema: { properties: memberProps, key_properties: ["email"] },
  },
  recordOf("members", { id: 2, name: "Ivo", email: "ivo@example.org" }),
];

// --- schema_changes: four SCHEMAs, each adding a column of another type -----------------------
const gaugeBase = { id: int, reading: { type: "number" }, label: str };
const gaugeAdds: readonly [string, Record<string, unknown>][] = [
  ["active", { type: "boolean" }],
  ["extra", { type: "object", properties: { id: int, note: str } }],
  ["flags", { type: "array", items: str }],
  ["level", int],
];
const gaugeLines: Line[] = [];
const gaugeRows: Row[] = [];
{
  let properties: Record<string, unknown> = { ...gaugeBase };
  const values: Record<string, unknown> = {
    active: true,
    extra: { id: 7, note: "seven" },
    flags: ["north", "east"],
    level: 42,
  };
  const row = (id: number, added: readonly string[]): Row => ({
    id,
    reading: 200 + id,
    label: `gauge ${id}`,
    ...Object.fromEntries(
      gaugeAdds.map(([name]) => [name, added.includes(name) ? values[name] : null]),
    ),
  });
  gaugeLines.push(schemaOf("gauges", properties, ["id"]));
  const added: string[] = [];
  for (let id = 1; id <= 2; id += 1) {
    gaugeLines.push(recordOf("gauges", { id, reading: 200 + id, label: `gauge ${id}` }));
    gaugeRows.push(row(id, added));
  }
  for (const [i, [name, type]] of gaugeAdds.entries()) {
    properties = { ...properties, [name]: type };
    added.push(name);
    gaugeLines.push(schemaOf("gauges", properties, ["id"]));
    const id = i + 3;
    const full = row(id, added);
    gaugeLines.push(
      recordOf("gauges", Object.fromEntries(Object.entries(full).filter(([, v]) => v !== null))),
    );
    gaugeRows.push(full);
  }
  gaugeLines.push(stateOf({ gauges: 6 }));
}

// --- a stream name and nested keys with characters no identifier allows -----------------------
const oddStream = "raw:Device!Events?v2";
const oddRecord = {
  _id: "d41d8cd9",
  meta: { site: "lab", "probe:kind": "thermal", "probe:fw:rev": "4.2.0" },
};
const oddNames: Line[] = [
  schemaOf(
    oddStream,
    {
      _id: str,
      meta: {
        type: "object",
        properties: { site: str, "probe:kind": str, "probe:fw:rev": str },
      },
    },
    ["_id"],
  ),
  recordOf(oddStream, oddRecord, {
    version: 1700000000123,
    time_extracted: "2023-11-14T22:13:20.123456Z",
  }),
];

// --- authors / books / author_books: three streams, then an upsert run ------------------------
const people = (stream: string, rows: readonly [number, string][]) =>
  rows.map(([id, name]) => recordOf(stream, { id, name }));
const library = (
  authors: readonly [number, string][],
  books: readonly [number, string][],
  links: readonly [number, number, number, Record<string, unknown>][],
  state: Record<string, number>,
): Line[] => [
  schemaOf("authors", { id: int, name: str }, ["id"], { required: ["id", "name"] }),
  schemaOf("books", { id: int, name: str }, ["id"], { required: ["id", "name"] }),
  schemaOf(
    "author_books",
    {
      id: int,
      author_id: int,
      book_id: int,
      info: { type: "object", properties: { role: str, year: int } },
    },
    ["id"],
    { required: ["id", "author_id", "book_id"] },
  ),
  ...people("authors", authors),
  ...people("books", books),
  ...links.map(([id, author_id, book_id, info]) =>
    recordOf("author_books", { id, author_id, book_id, info }),
  ),
  stateOf(state),
];
const firstAuthors: [number, string][] = [
  [1, "Ursula"],
  [2, "Italo"],
  [3, "Octavia"],
  [4, "Jorge"],
  [5, "Wisława"],
];
const firstBooks: [number, string][] = [
  [1, "The Dispossessed"],
  [2, "Invisible Cities"],
  [3, "Kindred"],
];
const firstLinks: [number, number, number, Record<string, unknown>][] = [
  [1, 1, 1, { role: "author", year: 1974 }],
  [2, 2, 2, { role: "author", year: 1972 }],
  [3, 3, 3, { role: "author", year: 1979 }],
];
const libraryFirst = library(firstAuthors, firstBooks, firstLinks, {
  authors: 5,
  books: 3,
  author_books: 3,
});
const libraryUpserts = library(
  [
    [1, "Ursula K."],
    [8, "Stanisław"],
    [12, "Clarice"],
    [13, "Naguib"],
  ],
  [
    [3, "Kindred (reissue)"],
    [6, "Solaris"],
    [8, "Ficciones"],
  ],
  [
    [1, 1, 4, { role: "translator", year: 1981 }],
    [6, 8, 6, { role: "author", year: 1961 }],
    [14, 4, 8, { role: "author", year: 1944 }],
  ],
  { authors: 13, books: 8, author_books: 14 },
);
const rowsOfPeople = (rows: readonly [number, string][]) =>
  rows.map(([id, name]) => ({ id, name }));
const authorsAfter = rowsOfPeople([
  [1, "Ursula K."],
  [2, "Italo"],
  [3, "Octavia"],
  [4, "Jorge"],
  [5, "Wisława"],
  [8, "Stanisław"],
  [12, "Clarice"],
  [13, "Naguib"],
]);
const booksAfter = rowsOfPeople([
  [1, "The Dispossessed"],
  [2, "Invisible Cities"],
  [3, "Kindred (reissue)"],
  [6, "Solaris"],
  [8, "Ficciones"],
]);
const linkRows = (links: readonly [number, number, number, Record<string, unknown>][]) =>
  links.map(([id, author_id, book_id, info]) => ({ id, author_id, book_id, info }));
const linksAfter = linkRows([
  [1, 1, 4, { role: "translator", year: 1981 }],
  firstLinks[1] as [number, number, number, Record<string, unknown>],
  firstLinks[2] as [number, number, number, Record<string, unknown>],
  [6, 8, 6, { role: "author", year: 1961 }],
  [14, 4, 8, { role: "author", year: 1944 }],
]);
const libraryFirstTables = {
  authors: rowsOfPeople(firstAuthors),
  books: rowsOfPeople(firstBooks),
  author_books: linkRows(firstLinks),
};
const libraryAfterTables = { authors: authorsAfter, books: booksAfter, author_books: linksAfter };

export const TARGET_CASES: readonly TargetCase[] = [
  {
    name: "playlists",
    mirrors: "array_data",
    about: "arrays of strings load as arrays; a second run of the same input changes nothing",
    runs: [
      load(playlists, { playlists: playlistRows }),
      load(playlists, { playlists: playlistRows }),
    ],
  },
  {
    name: "plant_species",
    mirrors: "camelcase",
    about: "camelCase stream and property names get one stable identifier; no STATE, none printed",
    runs: [
      load(plantSpecies, {
        PlantSpecies: [
          { Id: "f-sylvatica", commonName: "European beech" },
          { Id: "q-robur", commonName: "English oak" },
        ],
      }),
    ],
  },
  {
    name: "shelf_layout",
    mirrors: "camelcase_complex_schema",
    about: "SCHEMA messages without records create the table; the second adds three columns",
    runs: [load(shelfLayout, { ShelfLayout: [] })],
  },
  {
    name: "sensor_readings",
    mirrors: "duplicate_records",
    about: "a key repeated inside one batch: the last record wins, no ON CONFLICT error",
    runs: [
      load(sensorReadings, {
        sensor_readings: [
          { id: 1, celsius: 19 },
          { id: 2, celsius: 23 },
        ],
      }),
    ],
  },
  {
    name: "phrases",
    mirrors: "encoded_string_data",
    about:
      "text round-trips byte for byte (scripts, quotes, escapes, the literal text \\u0000); a real U+0000 is handled as the target documents",
    runs: [load(phrases, phraseRows)],
  },
  {
    name: "broken_schema",
    mirrors: "invalid_schema",
    about: "a SCHEMA with no properties fails, naming the stream",
    runs: [
      fail(
        [
          {
            type: "SCHEMA",
            stream: "broken_schema",
            key_properties: [],
            schema: { type: "object" },
          },
        ],
        ["broken_schema", "properties"],
      ),
    ],
  },
  {
    name: "orders",
    mirrors: "multiple_state_messages",
    about:
      "five STATEs between the records of two streams: the printed ones are an in-order subsequence ending with the last; the record after it loads too",
    runs: [load(orders, { orders_a: orderRows(6), orders_b: orderRows(6) })],
  },
  {
    name: "page_views",
    mirrors: "no_primary_keys, no_primary_keys_append",
    about: "a stream without key properties appends on every run: 3 + 5 + 3 + 5 = 16 rows",
    runs: [
      load(pageViews(firstViews), { page_views: viewRows(firstViews) }),
      load(pageViews(moreViews), { page_views: viewRows([...firstViews, ...moreViews]) }),
      load(pageViews(firstViews), {
        page_views: viewRows([...firstViews, ...moreViews, ...firstViews]),
      }),
      load(pageViews(moreViews), {
        page_views: viewRows([...firstViews, ...moreViews, ...firstViews, ...moreViews]),
      }),
    ],
  },
  {
    name: "contacts",
    mirrors: "optional_attributes",
    about: "an optional property missing or null loads as null",
    runs: [
      load(contacts, {
        contacts: [
          { id: 1, nickname: "Ace" },
          { id: 2, nickname: null },
          { id: 3, nickname: "Bee" },
          { id: 4, nickname: null },
        ],
      }),
    ],
  },
  {
    name: "members",
    mirrors: "pk_updates",
    about:
      "key_properties inside the schema object are not key properties: the stream has none and appends (a target may warn)",
    runs: [
      load(members, {
        members: [
          { id: 1, name: "Noor", email: "noor@example.org" },
          { id: 2, name: "Ivo", email: "ivo@example.org" },
        ],
      }),
    ],
  },
  {
    name: "early_record",
    mirrors: "record_before_schema",
    about: "a RECORD before its stream's SCHEMA fails, naming the stream; nothing loads",
    runs: [
      fail(
        [
          recordOf("early_record", { id: 1 }),
          schemaOf("early_record", { id: int }, ["id"]),
          recordOf("early_record", { id: 2 }),
        ],
        ["early_record", "SCHEMA"],
        { early_record: [] },
      ),
    ],
  },
  {
    name: "notes",
    mirrors: "record_missing_fields",
    about: "a record without an optional field loads it as null; an empty STATE {} is no crash",
    runs: [
      load(
        [
          schemaOf("notes", { id: int, body: optStr }, ["id"], { required: ["id"] }),
          recordOf("notes", { id: 1, body: "first things first" }),
          recordOf("notes", { id: 2 }),
          stateOf({}),
        ],
        {
          notes: [
            { id: 1, body: "first things first" },
            { id: 2, body: null },
          ],
        },
      ),
    ],
  },
  {
    name: "keyless_record",
    mirrors: "record_missing_key_property",
    about: "a record without its key property fails, naming the key; nothing is committed",
    runs: [
      fail(
        [
          schemaOf("keyless_record", { id: int, size: int }, ["id"]),
          recordOf("keyless_record", { size: 12 }),
          stateOf({ keyless_record: 1 }),
        ],
        ["keyless_record", "id"],
        { keyless_record: [] },
      ),
    ],
  },
  {
    name: "required_missing",
    mirrors: "record_missing_required_property",
    about:
      'with validate_records "strict", a record without a required property fails naming it; with validate_records false it loads as null',
    runs: [
      fail(
        [
          schemaOf("required_missing", { id: int, size: int }, [], { required: ["id"] }),
          recordOf("required_missing", { size: 4096 }),
        ],
        ["required_missing", "id"],
        { required_missing: [] },
        { validate_records: "strict" },
      ),
      {
        input: ndjson([
          schemaOf("required_missing", { id: int, size: int }, [], { required: ["id"] }),
          recordOf("required_missing", { size: 4096 }),
        ]),
        settings: { validate_records: false },
        expect: {
          outcome: "load",
          tables: tablesOf({ required_missing: [{ id: null, size: 4096 }] }),
        },
      },
    ],
  },
  {
    name: "object_columns",
    mirrors: "schema_no_properties",
    about: "an object with properties and an object without any both load as whole objects",
    runs: [
      load(
        [
          schemaOf("boxes_typed", {
            payload: { type: "object", properties: { id: int, weight: int } },
          }),
          schemaOf("boxes_untyped", { payload: { type: "object" } }),
          recordOf("boxes_typed", { payload: { id: 1, weight: 340 } }),
          recordOf("boxes_typed", { payload: { id: 2, weight: 515 } }),
          recordOf("boxes_untyped", { payload: { id: 1, colour: "red" } }),
          recordOf("boxes_untyped", { payload: { id: 2, colour: "teal" } }),
        ],
        {
          boxes_typed: [{ payload: { id: 1, weight: 340 } }, { payload: { id: 2, weight: 515 } }],
          boxes_untyped: [
            { payload: { id: 1, colour: "red" } },
            { payload: { id: 2, colour: "teal" } },
          ],
        },
      ),
    ],
  },
  {
    name: "gauges",
    mirrors: "schema_updates",
    about:
      "four SCHEMA changes each add a column (boolean, object, array, integer); rows buffered before each change survive",
    runs: [load(gaugeLines, { gauges: gaugeRows })],
  },
  {
    name: "odd_names",
    mirrors: "special_chars_in_attributes",
    about:
      "a stream name and nested keys with characters no SQL identifier allows; the record carries version and time_extracted",
    runs: [load(oddNames, { [oddStream]: [oddRecord] })],
  },
  {
    name: "library",
    mirrors: "user_location_data, user_location_upsert_data",
    about:
      "three streams load, a second run of the same input changes nothing, a third run upserts: updated, new and untouched rows",
    runs: [
      load(libraryFirst, libraryFirstTables),
      load(libraryFirst, libraryFirstTables),
      load(libraryUpserts, libraryAfterTables),
      load(libraryUpserts, libraryAfterTables),
    ],
  },
];

/** A case by name (throws for an unknown name, so a typo cannot make a test vacuous). */
export function targetCase(name: string): TargetCase {
  const found = TARGET_CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no conformance case named ${name}`);
  return found;
}

export { orderStates as ORDER_STATES };
