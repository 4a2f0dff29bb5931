/**
 * Free text from a client (a name, a reason, a search, a token): a zod string that refuses
 * U+0000. Postgres text columns cannot hold a NUL character, so one that reached a query
 * would fail there as a 500; refused here it is a 400 invalid_request naming the field.
 * Every client string that reaches a text column or a text parameter goes through this.
 */
import { z } from "zod";

export const NUL_MESSAGE = "must not contain a NUL character";

export function text() {
  return z.string().refine((value) => !value.includes("\u0000"), { message: NUL_MESSAGE });
}
