import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** One in-memory DuckDB per test file: the independent reader the Parquet files are checked with. */
let connection: Promise<DuckDBConnection> | undefined;

async function connect(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

/** Runs `sql` in DuckDB and returns the rows as JSON-safe objects (bigint → string, timestamps → text). */
export async function duckdb(sql: string): Promise<Record<string, unknown>[]> {
  connection ??= connect();
  const reader = await (await connection).runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
