export { newClientSchema as body } from "@/lib/oauth/clients";
