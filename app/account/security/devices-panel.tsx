"use client";
import { auth, type PublicDevice } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage } from "@/app/_components/field";
import { useLoaded } from "@/app/_components/use-loaded";

/** Browsers that skip the second step; revoking one asks for the code there again. */
export function DevicesPanel() {
  const {
    data: devices,
    message,
    act,
  } = useLoaded(
    () => auth.devices(),
    (v) => v.devices,
  );

  const revoke = (device: PublicDevice) => act(() => auth.revokeDevice(device.id), "The device is no longer trusted.");

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
