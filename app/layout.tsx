import type { ReactNode } from "react";

export const metadata = { title: "Loopkeeper", description: "Operations console for the Commerce Data Loop" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
