/** SMTP delivery through nodemailer (SMTP_URL, e.g. smtps://user:pass@smtp.example.com:465). */
import nodemailer from "nodemailer";
import type { MailTransport } from "./mailer";

export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transporter.sendMail({ from: message.from, to: message.to, subject: message.subject, text: message.text });
    },
  };
}
