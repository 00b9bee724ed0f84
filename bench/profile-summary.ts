import { formatProfile, summariseProfile } from './lib/profile.js';

/** node dist-bench/profile-summary.js FILE.cpuprofile [TOP] — self time by area, package and function. */
const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist-bench/profile-summary.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
process.stdout.write(formatProfile(summariseProfile(file, [], Number(top ?? 25))) + '\n');
