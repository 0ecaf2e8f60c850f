export default function Home() {
  return (
    <main>
      <h1 id="title">Loopkeeper</h1>
      <p>The operations console is loading its first pages.</p>
    </main>
  );
}
