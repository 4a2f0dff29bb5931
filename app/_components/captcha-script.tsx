/**
 * The CAPTCHA widget's script (CAPTCHA_SCRIPT_URL), loaded with this request's CSP nonce from
 * proxy.ts; the page CSP allows its origin only while the CAPTCHA is on (lib/http/csp.ts).
 */
import { headers } from "next/headers";

export async function CaptchaScript({ src }: { src: string }) {
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return <script src={src} nonce={nonce} async />;
}
