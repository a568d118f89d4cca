import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { installFeedback } from "./lib/feedback";

const target = document.getElementById("app")!;
installFeedback(target);
const app = mount(App, { target });

export default app;
