// oidc-provider ships no types; the tests use only its constructor and its request listener.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  type Configuration = Record<string, any>;
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
