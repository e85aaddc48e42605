/** Placeholder replaced by the real template-database setup. */
export default async function globalSetup(): Promise<void> {}
