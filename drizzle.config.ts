import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./pipeline/db/schema*.ts",
  out: "./drizzle",
});
