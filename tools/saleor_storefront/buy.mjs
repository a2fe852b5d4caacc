// A first-time buyer in Saleor's own storefront (saleor/storefront, unmodified),
// driven by Playwright in Debian's Chromium against a Marquee demo server.
//
// Walks home -> category -> search -> product -> cart -> checkout (contact,
// address, delivery, dummy payment) -> order confirmation, in one channel,
// and prints every GraphQL call the browser made and every GraphQL error it
// saw. Exit status 1 when a step fails or any GraphQL error appears.
//
// Run from the storefront checkout (it provides @playwright/test):
//   node /path/to/marquee/tools/saleor_storefront/buy.mjs --base http://localhost:3000 \
//     --api http://127.0.0.1:8000/graphql/ --channel china
import { createRequire } from "node:module";
import path from "node:path";

// Playwright comes from the storefront checkout the script is run in.
const { chromium } = createRequire(path.join(process.cwd(), "package.json"))("@playwright/test");

const args = Object.fromEntries(
	process.argv.slice(2).reduce((pairs, arg, i, all) => {
		if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
		return pairs;
	}, []),
);
const base = args.base ?? "http://localhost:3000";
const api = args.api ?? "http://127.0.0.1:8000/graphql/";
const channel = args.channel ?? "china";
const locale = args.locale ?? "en";
const address = {
	china: {
		country: "CN", firstName: "Wei", lastName: "Lin", street: "1 Nanjing Road",
		city: "Pudong Xinqu", area: "Shanghai Shi", postal: "200120", phone: "+8613800138000",
	},
	international: {
		country: "US", firstName: "Ada", lastName: "Lovelace", street: "1600 Amphitheatre Pkwy",
		city: "Mountain View", area: "CA", postal: "94043", phone: "+16502530000",
	},
}[channel];

const calls = [];
const errors = [];
const steps = [];

async function step(name, fn) {
	const started = Date.now();
	try {
		await fn();
		steps.push({ name, ok: true, ms: Date.now() - started });
		console.log(`OK    ${name} (${Date.now() - started} ms)`);
	} catch (error) {
		steps.push({ name, ok: false, error: String(error).split("\n")[0] });
		console.log(`FAIL  ${name}: ${String(error).split("\n")[0]}`);
		throw error;
	}
}

const browser = await chromium.launch({ executablePath: args.chromium ?? "/usr/bin/chromium" });
const page = await browser.newPage();
page.setDefaultTimeout(Number(args.timeout ?? 120000));
if (args.verbose) {
	page.on("framenavigated", (frame) => frame === page.mainFrame() && console.log("      at", frame.url()));
	page.on("console", (message) => message.type() === "error" && console.log("      console:", message.text().slice(0, 600)));
}
page.on("response", async (response) => {
	if (!response.url().includes("/graphql")) return;
	let op = "?";
	try {
		op = JSON.parse(response.request().postData() ?? "{}").operationName ?? "?";
	} catch {}
	calls.push(op);
	try {
		const body = await response.json();
		for (const e of body.errors ?? []) errors.push(`${op}: ${e.message}`);
		for (const value of Object.values(body.data ?? {})) {
			for (const e of value?.errors ?? []) errors.push(`${op}: ${e.code} ${e.field} ${e.message}`);
		}
	} catch {}
});

let exitCode = 0;
try {
	let productPath;
	await step("home", async () => {
		await page.goto(`${base}/${locale}/${channel}`);
		productPath = await page.locator(`a[href*="/${channel}/products/"]`).first().getAttribute("href");
	});
	await step("category", async () => {
		const href = await page.locator(`a[href*="/${channel}/categories/"]`).first().getAttribute("href");
		await page.goto(new URL(href, base).href);
		await page.locator(`a[href*="/${channel}/products/"]`).first().waitFor();
	});
	await step("search", async () => {
		await page.goto(`${base}/${locale}/${channel}/search?query=wolf`);
		await page.locator(`a[href*="/${channel}/products/"]`).first().waitFor();
	});
	await step("product and add to cart", async () => {
		const slug = args.product ?? productPath.split("/products/")[1].split(/[?#]/)[0];
		// The first variant in stock, chosen as a buyer's click on its options would (?variant=).
		const answer = await fetch(api, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({
				query: "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) { variants { id quantityAvailable } } }",
				variables: { slug, channel },
			}),
		}).then((r) => r.json());
		const variant = answer.data.product.variants.find((v) => v.quantityAvailable > 0);
		await page.goto(`${base}/${locale}/${channel}/products/${slug}?variant=${encodeURIComponent(variant.id)}`);
		await page.locator("h1").first().waitFor();
		const add = page.locator("button:not([disabled])", { hasText: /add to (cart|bag)/i }).first();
		await add.click();
		await page.waitForFunction(() => document.cookie.includes("checkoutId-"), null, { timeout: 30000 }).catch(() => {});
	});
	let checkoutId;
	await step("cart", async () => {
		for (let i = 0; i < 30 && !checkoutId; i++) {
			const cookies = await page.context().cookies();
			checkoutId = cookies.find((c) => c.name.startsWith("checkoutId-") && c.value)?.value;
			if (!checkoutId) await page.waitForTimeout(1000);
		}
		if (!checkoutId) throw new Error("no checkoutId cookie after add to cart");
		await page.goto(`${base}/${locale}/${channel}/cart`);
	});
	const fill = async (label, value) => {
		const box = page.getByLabel(label).first();
		if (await box.count()) await box.fill(value);
	};
	await step("checkout contact and address", async () => {
		await page.goto(`${base}/checkout?checkout=${checkoutId}&step=contact&locale=${locale}`);
		await page.getByRole("textbox", { name: /email/i }).first().fill(args.email ?? "new.buyer@example.com");
		const country = page.getByLabel(/country/i).first();
		await country.waitFor();
		if ((await country.evaluate((el) => el.tagName)) === "SELECT" && (await country.inputValue()) !== address.country) {
			await country.selectOption(address.country);
		}
		await page.waitForTimeout(1500); // the form re-renders with the country's address rules
		await fill(/first name/i, address.firstName);
		await fill(/last name/i, address.lastName);
		await fill(/street address/i, address.street);
		await fill(/^city$/i, address.city);
		await fill(/postal|zip/i, address.postal);
		await fill(/phone/i, address.phone);
		const area = page.locator("select").filter({ has: page.locator("option", { hasText: /select (province|state)/i }) }).first();
		if (await area.count()) {
			const options = await area.locator("option").allTextContents();
			console.log(`      ${options.length - 1} choices for ${await area.evaluate((el) => el.labels?.[0]?.innerText)}`);
			const wanted = options.find((o) => o.toLowerCase().startsWith(address.area.toLowerCase()));
			await area.selectOption({ label: wanted ?? options[1] });
		}
		await page.getByRole("button", { name: /continue/i }).first().click();
		await page.waitForURL(/step=shipping/);
	});
	await step("checkout delivery", async () => {
		const method = page.getByRole("radio").first();
		await method.waitFor({ timeout: 60000 });
		await method.check();
		await page.getByRole("button", { name: /continue/i }).first().click();
		await page.waitForURL(/step=payment/);
	});
	await step("payment and order", async () => {
		const totals = await page.locator("body").innerText();
		console.log("      payment page shows:", (totals.match(/(Total|Tax|VAT)[^\n]*\n?[^\n]*/gi) ?? []).slice(0, 4).join(" | "));
		const pay = page.getByRole("button", { name: /^(pay|place order)\b/i }).first();
		await pay.waitFor();
		if (await pay.isDisabled()) throw new Error("Pay is disabled: " + (await page.locator("body").innerText()).slice(0, 300));
		await pay.click();
		await page.waitForURL(/\/checkout\/complete\?order=/, { timeout: 120000 });
		await page.getByText(/thank you|order (confirmed|number|#)/i).first().waitFor();
	});
} catch {
	exitCode = 1;
}
if (exitCode) await page.screenshot({ path: args.screenshot ?? "/tmp/storefront-failure.png", fullPage: true }).catch(() => {});
await browser.close();
console.log(`${calls.length} GraphQL calls from the browser, ${errors.length} with errors`);
for (const e of errors) console.log("ERROR", e);
process.exit(exitCode || (errors.length ? 1 : 0));
