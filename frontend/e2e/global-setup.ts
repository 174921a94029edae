import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const frontend = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(frontend, "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms; see ${logFile}`);
}

/** Starts `bolttickets serve` on a free port with a throw-away SQLite database. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = process.env.BOLT_BIN ?? path.join(repo, ".venv", "bin", "bolttickets");
  if (!existsSync(bin)) throw new Error(`${bin} not found: install the backend first (make install or pip install -e .)`);
  // Explicit, because $BOLT_BIN may be an installation other than this checkout's.
  const staticDir = path.join(repo, "src", "bolttickets", "web");
  if (!existsSync(path.join(staticDir, "index.html"))) throw new Error("src/bolttickets/web is missing: run `npm run build` first");

  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "bolt-e2e-"));
  const logFile = path.join(dir, "server.log");
  const log = openSync(logFile, "a");
  const child = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    env: {
      ...process.env,
      BOLT_ENV: "dev",
      BOLT_DATABASE_URL: `sqlite+aiosqlite:///${dir}/e2e.db`,
      BOLT_ADMIN_EMAIL: "admin@example.com",
      BOLT_ADMIN_PASSWORD: "admin-pass-123",
      BOLT_DEMO: "0",
      BOLT_STATIC_DIR: staticDir,
      // Every test's browser logs in from 127.0.0.1.
      BOLT_RATE_LIMITS_ENABLED: "false",
    },
    stdio: ["ignore", log, log],
  });
  const baseURL = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseURL}/health/ready`, child, logFile);
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_SERVER_LOG = logFile;

  return async () => {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    if (!process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
}
