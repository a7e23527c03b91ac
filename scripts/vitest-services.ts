// Placeholder global setup for the integration project; replaced by the services setup.
export default function setup(): void {}
