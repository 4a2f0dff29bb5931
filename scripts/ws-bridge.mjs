#!/usr/bin/env node
// A WebSocket-to-TCP bridge, as Neon's wsproxy does: lets @vercel/postgres (Neon's driver)
// reach a plain local Postgres, so the production driver is exercised in tests and CI.
// Usage: node scripts/ws-bridge.mjs [port]   (prints "ws-bridge listening on 127.0.0.1:PORT")
// Only loopback Postgres targets are allowed: this is a test tool, never a public proxy.
import { connect } from "node:net";
import { WebSocketServer } from "ws";

export function startBridge(port = 0) {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port });
    wss.on("connection", (ws, request) => {
      const url = new URL(request.url ?? "/", "http://bridge");
      const [host, portText] = (url.searchParams.get("address") ?? "").split(":");
      if (!["localhost", "127.0.0.1"].includes(host ?? "") || !/^\d+$/.test(portText ?? "")) {
        ws.close(1008, "target not allowed");
        return;
      }
      const socket = connect(Number(portText), "127.0.0.1");
      socket.setNoDelay(true);
      socket.on("data", (data) => ws.readyState === ws.OPEN && ws.send(data));
      socket.on("close", () => ws.close());
      socket.on("error", () => ws.close());
      ws.on("message", (data) => socket.write(data));
      ws.on("close", () => socket.destroy());
      ws.on("error", () => socket.destroy());
    });
    wss.on("listening", () => resolve({ port: wss.address().port, close: () => new Promise((r) => wss.close(() => r())) }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bridge = await startBridge(Number(process.argv[2] ?? 0));
  console.log(`ws-bridge listening on 127.0.0.1:${bridge.port}`);
}
