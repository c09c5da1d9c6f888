/** Vocabulary for realistic names. Some entries are deliberately non-ASCII. */

export const DATABASES = ["analytics", "raw", "warehouse", "finance", "marketing", "product"];
export const SCHEMAS = ["public", "staging", "marts", "core", "intermediate", "snapshots", "ml"];
export const TABLE_PREFIXES = ["fct_", "dim_", "stg_", "int_"];
export const NOUNS = [
  "orders",
  "customers",
  "payments",
  "sessions",
  "invoices",
  "subscriptions",
  "products",
  "refunds",
  "events",
  "accounts",
  "leads",
  "shipments",
  "inventory",
  "campaigns",
  "tickets",
  "users",
  "clientes_pedidos",
  "überweisungen",
  "顧客",
  "café_ventes",
];
export const COLUMNS = [
  "id",
  "created_at",
  "updated_at",
  "customer_id",
  "order_id",
  "amount",
  "currency",
  "status",
  "email",
  "country_code",
  "is_active",
  "discount_pct",
  "prix_€",
  "straße",
  "notes",
  "metadata",
];
export const DATA_TYPES = ["NUMBER", "VARCHAR", "TIMESTAMP_NTZ", "BOOLEAN", "NUMERIC", "VARIANT"];
export const DASHBOARDS = ["Revenue overview", "Funnel health", "Support SLAs", "Exec weekly"];
export const CHARTS = ["Orders by week", "ARR by region", "Churn cohort", "Tickets by priority"];
export const EVENT_CATEGORIES = ["Checkout", "Onboarding", "Search", "Billing"];
export const EVENTS = ["order_completed", "signup_started", "search_performed", "plan_upgraded"];
export const COLLECTIONS = ["Finance", "Marketing analytics", "Core metrics", "Data contracts"];
export const DOCUMENTS = ["Onboarding guide", "Metric definitions", "Incident runbook", "FAQ"];
export const GLOSSARY = ["Active user", "ARR", "Churn", "Net revenue", "Qualified lead", "Cohort"];
export const QUESTIONS = [
  "Where do I find refunds by day?",
  "Which table is the source of truth for ARR?",
  "Why did sessions drop on Monday?",
  "¿Dónde están los pedidos de 2024?",
];
export const QUERY_TITLES = ["Daily revenue", "Top customers", "Late shipments", "Open tickets"];
export const FIRST_NAMES = ["Maya", "José", "Zoë", "Ahmed", "Li", "Sofía", "Noah", "Aiko", "Ola"];
export const LAST_NAMES = ["Lin", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Øberg"];
export const TAGS = ["Finance", "PII", "Gold", "Deprecated", "Marketing", "Core", "Beta", "GDPR"];
export const COLORS = ["#4299E1", "#48BB78", "#ED8936", "#9F7AEA", "#F56565", "#38B2AC"];
export const TEAMS = ["Analytics", "Data Platform", "Finance", "Growth", "Archive"];
export const GROUPS = ["Data Stewards", "Analysts", "Engineers", "Execs", "Contractors"];
export const ICONS = ["📊", "🧪", "💰", "🛠️", "📈", null];
export const SENTENCES = [
  "One row per order placed in the web store.",
  "Deduplicated on the natural key; late-arriving rows are merged nightly.",
  "Owned by the finance team; do not join on email.",
  "Contains test accounts — filter is_test = false.",
  "Les montants sont en centimes, hors taxes.",
  "日次で更新されるテーブルです。",
];

/**
 * Hostile descriptions pinned to specific tables (see README "Data model").
 * `NUL` carries exactly one U+0000 character.
 */
export const HOSTILE = {
  quotes:
    'She said "use fct_orders" and wrote C:\\temp\\new\\ — \'single\', "double", \\\\ and \\n.',
  emoji: "Revenue 📊🚀 per region 👍🏽 — ≥ 1 M€, über alles, 顧客 😀",
  nul: "Raw export from the legacy CRM.\u0000Bytes after the NUL must survive.",
} as const;

/** A long markdown definition: headings, a list, a table and a code block. */
export function markdown(title: string, paragraphs: number, pick: (n: number) => number): string {
  const sections = [`# ${title}`, "", "## Summary", ""];
  for (let i = 0; i < paragraphs; i += 1) {
    sections.push(Array.from({ length: 4 }, () => SENTENCES[pick(SENTENCES.length)]).join(" "), "");
  }
  sections.push("## Columns", "", "| name | meaning |", "| --- | --- |");
  for (let i = 0; i < 4; i += 1) sections.push(`| ${COLUMNS[pick(COLUMNS.length)]} | see above |`);
  sections.push("", "```sql", `select * from ${title.replaceAll(" ", "_")} limit 10;`, "```", "");
  sections.push("- **Owner:** data team", "- _Refreshed:_ hourly", "> Note: figures are in UTC.");
  return sections.join("\n");
}
