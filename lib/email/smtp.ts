/** SMTP delivery through nodemailer (SMTP_URL, e.g. smtps://user:pass@smtp.example.com:465). */
import nodemailer from "nodemailer";
import type { MailTransport } from "./mailer";

// Bounded, so one slow server cannot hold a delivery run past its claim lease (mailer.ts).
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;

export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  return {
    // Resolves only when the server accepted the message (250 after DATA).
    async send(message) {
      await transporter.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text });
    },
  };
}
