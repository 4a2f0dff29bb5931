"use client";
import { useEffect, useState } from "react";
import { admin, type SecurityAlerts } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { TableWrap } from "@/app/_components/table-wrap";

const account = (targetId: string | null, subjectHash?: string) =>
  targetId ? (
    <a href={`/admin/users/${targetId}`} className="mono">
      {targetId.slice(0, 8)}
    </a>
  ) : (
    <span className="mono muted">{subjectHash ? `no account (${subjectHash.slice(0, 8)})` : "—"}</span>
  );

/** What the detection functions found in the recent window: brute force, stuffing, many IPs, refresh-token reuse. */
export function AlertsView() {
  const [alerts, setAlerts] = useState<SecurityAlerts | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  useEffect(() => {
    void admin
      .alerts()
      .then((result) => (result.ok ? setAlerts(result.value) : setMessage({ text: describeError(result.error), tone: "error" })));
  }, []);

  if (!alerts)
    return (
      <>
        <LiveMessage message={message} />
        <p className="muted">Loading alerts…</p>
      </>
    );
  const { counts } = alerts;
  return (
    <>
      <LiveMessage message={message} />
      <p className="muted">
        From {formatTime(alerts.window.from)} to {formatTime(alerts.window.to)} ({alerts.thresholds.windowMinutes} minutes).
      </p>
      <section className="card" aria-labelledby="bf-title">
        <h2 id="bf-title">Brute force on one account ({counts.bruteForce})</h2>
        {alerts.bruteForce.length === 0 ? (
          <p className="muted">None: no account had {alerts.thresholds.bruteForceFailures} or more failed sign-ins.</p>
        ) : (
          <TableWrap label="Brute force on one account">
            <table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Failures</th>
                  <th scope="col">IPs</th>
                  <th scope="col">Last</th>
                </tr>
              </thead>
              <tbody>
                {alerts.bruteForce.map((a) => (
                  <tr key={a.subjectHash}>
                    <td>{account(a.targetId, a.subjectHash)}</td>
                    <td>{a.failures}</td>
                    <td>{a.distinctIps}</td>
                    <td>{formatTime(a.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section className="card" aria-labelledby="cs-title">
        <h2 id="cs-title">Credential stuffing from one IP ({counts.credentialStuffing})</h2>
        {alerts.credentialStuffing.length === 0 ? (
          <p className="muted">None: no IP failed against {alerts.thresholds.stuffingAccounts} or more accounts.</p>
        ) : (
          <TableWrap label="Credential stuffing from one IP">
            <table>
              <thead>
                <tr>
                  <th scope="col">IP</th>
                  <th scope="col">Accounts</th>
                  <th scope="col">Failures</th>
                  <th scope="col">Last</th>
                </tr>
              </thead>
              <tbody>
                {alerts.credentialStuffing.map((a) => (
                  <tr key={a.ip}>
                    <td>{a.ip}</td>
                    <td>{a.accounts}</td>
                    <td>{a.failures}</td>
                    <td>{formatTime(a.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section className="card" aria-labelledby="mi-title">
        <h2 id="mi-title">One account from many IPs ({counts.accountManyIps})</h2>
        {alerts.accountManyIps.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <TableWrap label="One account from many IPs">
            <table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">IPs</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last</th>
                </tr>
              </thead>
              <tbody>
                {alerts.accountManyIps.map((a) => (
                  <tr key={a.subjectHash}>
                    <td>{account(a.targetId, a.subjectHash)}</td>
                    <td>{a.distinctIps}</td>
                    <td>{a.attempts}</td>
                    <td>{formatTime(a.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section className="card" aria-labelledby="rr-title">
        <h2 id="rr-title">Refresh-token reuse ({counts.refreshReuse})</h2>
        {alerts.refreshReuse.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <TableWrap label="Refresh-token reuse">
            <table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">IP</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {alerts.refreshReuse.map((a) => (
                  <tr key={`${a.sessionId}-${a.at}`}>
                    <td>{account(a.targetId)}</td>
                    <td>{a.ip ?? "—"}</td>
                    <td>{formatTime(a.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
