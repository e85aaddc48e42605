// First step of `npm test`: makes sure the programs the suite drives exist, or says what to install — never lets a
// test skip quietly for lack of one.
//   - Chromium, for the console's browser tests (test/browser, through playwright-core): $CHROMIUM_PATH, else
//     /usr/bin/chromium (test/support/browser.ts looks in the same two places).
//   - openssl, for the throw-away CA of the NATS TLS test (src/events/nats-auth.int.spec.ts).
// A missing one is installed from Debian's packages when running as root with apt-get (the message says so);
// otherwise the step fails with what to install. No browser is ever downloaded from anywhere else.
// Only node: built-ins: it runs before anything else.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const say = (message) => console.log(`[test-tools] ${message}`);

class MissingTool extends Error {}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

let aptUpdated = false;

/** Installs Debian packages as root with apt-get, or throws with the command a person has to run. */
function aptInstall(packages, why) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new MissingTool(
      `${why}; install it (Debian: sudo apt-get install -y ${packages.join(' ')}) and rerun npm test` +
        (isRoot ? '' : ' (installing it here needs root)'),
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    say('apt-get update');
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  say(
    `${why}: installing Debian's ${packages.join(', ')} (apt-get install -y ${packages.join(' ')}), once per machine`,
  );
  execFileSync('apt-get', ['install', '-y', '-q', ...packages], { stdio: 'inherit', env });
}

function ensureChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (executable(configured)) return;
    throw new MissingTool(`CHROMIUM_PATH=${configured} is not an executable file; point it at a Chromium or unset it`);
  }
  const path = '/usr/bin/chromium';
  if (executable(path)) return;
  const elsewhere = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'].map(onPath).find(Boolean);
  if (elsewhere) {
    throw new MissingTool(
      `the browser tests use ${path}, which is missing, but ${elsewhere} exists: set CHROMIUM_PATH=${elsewhere}`,
    );
  }
  aptInstall(['chromium'], `the console's browser tests need Chromium and there is none at ${path}`);
  if (!executable(path)) throw new MissingTool(`apt-get installed chromium but ${path} is still missing`);
}

function ensureOpenssl() {
  if (onPath('openssl')) return;
  aptInstall(['openssl'], 'the NATS TLS test makes its certificates with openssl, which is missing');
}

try {
  ensureChromium();
  ensureOpenssl();
} catch (error) {
  console.error(`[test-tools] ${error instanceof MissingTool ? error.message : error.stack}`);
  process.exit(1);
}
