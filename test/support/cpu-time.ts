/**
 * The processor time `work` took, in milliseconds: the cost of the work itself, which the
 * other processes sharing a busy test machine do not inflate the way they inflate wall time.
 */
export async function cpuMilliseconds(work: () => unknown): Promise<number> {
  const started = process.cpuUsage();
  await work();
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1000;
}

/** The fastest of three runs, so a garbage collection that an earlier test left is not counted. */
export async function fastestOfThree(work: () => unknown): Promise<number> {
  return Math.min(await cpuMilliseconds(work), await cpuMilliseconds(work), await cpuMilliseconds(work));
}
