/* SPDX-License-Identifier: GPL-2.0-or-later */
/* placeholder: replaced by the ingester's tests */
int main(void)
{
	return 77;
}
