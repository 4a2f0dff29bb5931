"use client";
import { type ReactNode, useEffect, useState } from "react";
import { admin, type SecurityAlerts } from "@/lib/client/client";
import { formatTime } from "@/lib/client/user-agent";
import { LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";
import { TableWrap } from "@/app/_components/table-wrap";
import { PAGES } from "@/lib/http/pages";

const account = (targetId: string | null, subjectHash?: string) =>
  targetId ? (
    <a href={PAGES.adminUser(targetId)} className="mono">
      {targetId.slice(0, 8)}
    </a>
  ) : (
    <span className="mono muted">{subjectHash ? `no account (${subjectHash.slice(0, 8)})` : "—"}</span>
  );

interface Column<Row> {
  readonly title: string;
  readonly cell: (row: Row) => ReactNode;
}

/** One kind of finding: a titled card with its count, and a table of rows or what "none" means. */
function AlertTable<Row>(props: {
  id: string;
  title: string;
  count: number;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  columns: readonly Column<Row>[];
  none: string;
}) {
  return (
    <section className="card" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>
        {props.title} ({props.count})
      </h2>
      {props.rows.length === 0 ? (
        <p className="muted">{props.none}</p>
      ) : (
        <TableWrap label={props.title}>
          <table>
            <thead>
              <tr>
                {props.columns.map((column) => (
                  <th key={column.title} scope="col">
                    {column.title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={props.rowKey(row)}>
                  {props.columns.map((column) => (
                    <td key={column.title}>{column.cell(row)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

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
  const { counts, thresholds } = alerts;
  return (
    <>
      <LiveMessage message={message} />
      <p className="muted">
        From {formatTime(alerts.window.from)} to {formatTime(alerts.window.to)} ({thresholds.windowMinutes} minutes).
      </p>
      <AlertTable
        id="bf"
        title="Brute force on one account"
        count={counts.bruteForce}
        rows={alerts.bruteForce}
        rowKey={(a) => a.subjectHash}
        none={`None: no account had ${thresholds.bruteForceFailures} or more failed sign-ins.`}
        columns={[
          { title: "Account", cell: (a) => account(a.targetId, a.subjectHash) },
          { title: "Failures", cell: (a) => a.failures },
          { title: "IPs", cell: (a) => a.distinctIps },
          { title: "Last", cell: (a) => formatTime(a.lastAt) },
        ]}
      />
      <AlertTable
        id="cs"
        title="Credential stuffing from one IP"
        count={counts.credentialStuffing}
        rows={alerts.credentialStuffing}
        rowKey={(a) => a.ip}
        none={`None: no IP failed against ${thresholds.stuffingAccounts} or more accounts.`}
        columns={[
          { title: "IP", cell: (a) => a.ip },
          { title: "Accounts", cell: (a) => a.accounts },
          { title: "Failures", cell: (a) => a.failures },
          { title: "Last", cell: (a) => formatTime(a.lastAt) },
        ]}
      />
      <AlertTable
        id="mi"
        title="One account from many IPs"
        count={counts.accountManyIps}
        rows={alerts.accountManyIps}
        rowKey={(a) => a.subjectHash}
        none="None."
        columns={[
          { title: "Account", cell: (a) => account(a.targetId, a.subjectHash) },
          { title: "IPs", cell: (a) => a.distinctIps },
          { title: "Attempts", cell: (a) => a.attempts },
          { title: "Last", cell: (a) => formatTime(a.lastAt) },
        ]}
      />
      <AlertTable
        id="rr"
        title="Refresh-token reuse"
        count={counts.refreshReuse}
        rows={alerts.refreshReuse}
        rowKey={(a) => `${a.sessionId}-${a.at}`}
        none="None."
        columns={[
          { title: "Account", cell: (a) => account(a.targetId) },
          { title: "IP", cell: (a) => a.ip ?? "—" },
          { title: "When", cell: (a) => formatTime(a.at) },
        ]}
      />
    </>
  );
}
