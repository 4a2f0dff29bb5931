"use client";
import { useState, type FormEvent } from "react";
import { auth } from "@/lib/client/client";
import { Field, LiveMessage, type Message } from "@/app/_components/field";
import { describeError } from "@/app/_components/api-error";

export function ProfileForm({ name }: { name: string | null }) {
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const result = await auth.updateProfile({ name: String(new FormData(event.currentTarget).get("name") ?? "") });
    setBusy(false);
    setMessage(result.ok ? { text: "Your name was saved.", tone: "success" } : { text: describeError(result.error), tone: "error" });
  }

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <LiveMessage message={message} />
      <form onSubmit={submit} className="inline-form">
        <Field id="name" label="Name" type="text" autoComplete="name" maxLength={200} defaultValue={name ?? ""} />
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save name"}
        </button>
      </form>
    </section>
  );
}
