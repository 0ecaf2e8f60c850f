"use client";

export interface ApiResult<T = unknown> {
  ok: boolean;
  status: number;
  data?: T;
  error?: string;
}

/** Same-origin JSON call to a console API route; the error is the route's own `reason`. */
export async function callApi<T = unknown>(url: string, body?: unknown, method: "POST" | "PATCH" | "DELETE" | "GET" = "POST"): Promise<ApiResult<T>> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) return { ok: false, status: res.status, error: String(json.reason ?? json.message ?? json.error ?? `HTTP ${res.status}`) };
    return { ok: true, status: res.status, data: json as T };
  } catch (e) {
    return { ok: false, status: 0, error: (e as Error).message };
  }
}
