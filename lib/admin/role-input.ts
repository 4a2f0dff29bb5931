/**
 * The request shapes of role management: a role name as the roles table CHECKs it, and a
 * permission list of known permissions only (PERMISSIONS or "*"), so a typo can never create a
 * permission that nothing checks and that silently grants nothing.
 */
import { z } from "zod";
import { PERMISSIONS, WILDCARD } from "../rbac/permissions";

export const ROLE_NAME = /^[a-z][a-z0-9_]{1,39}$/;
const PERMISSIONS_MAX = PERMISSIONS.length + 1;
const DESCRIPTION_MAX = 500;

export const roleName = z.string().regex(ROLE_NAME);
const permissionList = z.array(z.enum([...PERMISSIONS, WILDCARD])).max(PERMISSIONS_MAX);
const description = z.string().trim().max(DESCRIPTION_MAX);

export const newRoleBody = z
  .object({
    name: roleName,
    description: description.default(""),
    permissions: permissionList,
    requireMfa: z.boolean().default(false),
  })
  .strict();

export const roleEditBody = z
  .object({ description: description.optional(), permissions: permissionList.optional(), requireMfa: z.boolean().optional() })
  .strict()
  .refine((v) => v.description !== undefined || v.permissions !== undefined || v.requireMfa !== undefined, {
    message: "Change at least one field.",
  });
