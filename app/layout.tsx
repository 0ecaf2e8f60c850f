import type { ReactNode } from "react";
import "./globals.css";

export const metadata = { title: { default: "Loopkeeper", template: "%s · Loopkeeper" }, description: "Operations console for the Commerce Data Loop" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
