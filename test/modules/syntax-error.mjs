export function gradients( {
