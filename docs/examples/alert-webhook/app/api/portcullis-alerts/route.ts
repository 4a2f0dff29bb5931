/** A Next.js route handler receiving the webhook: the signature is over the raw body, so read it as text first. */
import { verifyAlertSignature } from "@/lib/verify-alert-signature";

export async function POST(request: Request): Promise<Response> {
  const secret = process.env.PORTCULLIS_ALERT_WEBHOOK_SECRET; // Portcullis's ALERT_WEBHOOK_SECRET
  if (!secret) return new Response(null, { status: 503 }); // never verify against an empty key
  const rawBody = await request.text();
  if (!verifyAlertSignature(request.headers.get("portcullis-signature") ?? "", rawBody, secret)) {
    return new Response(null, { status: 401 });
  }
  const alert: unknown = JSON.parse(rawBody);
  console.log("Portcullis security alert", alert); // hand it to your paging or ticketing here
  return new Response(null, { status: 204 });
}
