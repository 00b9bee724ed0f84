/** Vietnam (UTC+7, no daylight saving): the day a daily quota counts in, and seconds until it ends. */
const VN_OFFSET_MS = 7 * 3_600_000;

export function vietnamDay(now = new Date()): { day: string; secondsLeft: number } {
  const shifted = new Date(now.getTime() + VN_OFFSET_MS);
  const day = shifted.toISOString().slice(0, 10);
  const nextMidnight = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate() + 1) - VN_OFFSET_MS;
  return { day, secondsLeft: Math.max(1, Math.ceil((nextMidnight - now.getTime()) / 1000)) };
}
