"use client";
import { useCallback, useEffect, useState } from "react";
import { auth, type PublicDevice } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";

/** Browsers that skip the second step; revoking one asks for the code there again. */
export function DevicesPanel() {
  const [devices, setDevices] = useState<PublicDevice[] | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const load = useCallback(async () => {
    const result = await auth.devices();
    if (result.ok) setDevices(result.value.devices);
    else setMessage({ text: describeError(result.error), tone: "error" });
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function revoke(device: PublicDevice) {
    const result = await auth.revokeDevice(device.id);
    setMessage(
      result.ok ? { text: "The device is no longer trusted.", tone: "success" } : { text: describeError(result.error), tone: "error" },
    );
    await load();
  }

  return (
    <section className="card" aria-labelledby="devices-title">
      <h2 id="devices-title">Trusted devices</h2>
      <LiveMessage message={message} />
      {devices === null ? (
        <p className="muted">Loading devices…</p>
      ) : devices.length === 0 ? (
        <p className="muted">No trusted devices.</p>
      ) : (
        <ul className="list" aria-label="Trusted devices">
          {devices.map((d) => (
            <li key={d.id}>
              <div>
                <strong>{d.label ?? "Browser"}</strong> {d.current && <span className="badge badge-ok">This device</span>}
                <div className="small muted">
                  {d.ip ?? "unknown IP"} · trusted {formatTime(d.createdAt)} · until {formatTime(d.expiresAt)}
                </div>
              </div>
              <button
                type="button"
                className="secondary"
                onClick={() => revoke(d)}
                aria-label={`Stop trusting ${d.label ?? "this browser"}${d.current ? " (this device)" : ""}`}
              >
                Stop trusting
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
