import { z } from "zod";
import { Address, ExternalIds } from "./primitives";

export const Customer = z.object({
  id: z.string().optional(),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  company: z.string().optional(),
  phone: z.string().optional(),
  defaultAddress: Address.optional(),
  externalIds: ExternalIds.default({}),
});
export type Customer = z.infer<typeof Customer>;
