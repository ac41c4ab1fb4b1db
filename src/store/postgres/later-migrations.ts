/** Migrations after the first ones (append only, the next number last). */
export const LATER_MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 3,
    name: "who an attempt's process group is: host, boot and start time",
    sql: 'ALTER TABLE journal ADD COLUMN process_owner TEXT;',
  },
];
